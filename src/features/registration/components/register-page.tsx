import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useId, useRef, useState } from 'react';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'wouter';
import { cpfProblem, generateCpf, maskCpfPartial } from '../../../../contract/cpf.ts';
import type { RegistrationRequest } from '../../../../contract/registration.ts';
import { registerFace, registrationQueries } from '../../../api/registrations.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage, useErrorText } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { CpfInput } from '../../../components/ui/cpf-input.tsx';
import { pathFor, useEnvironment } from '../../../lib/environment.tsx';
import { formatDateTime } from '../../../lib/i18n/i18n.ts';
import { PICTURE_SOURCES, registrationFormSchema } from '../api/registration-form.ts';
import type { RegistrationForm, RegistrationFormInput } from '../api/registration-form.ts';
import { ImageKeyField } from './image-key-field.tsx';
import type { Picture } from './picture.ts';
import { PicturePreview } from './picture-preview.tsx';
import type { PictureCheck } from './picture-preview.tsx';
import { UploadPicker } from './upload-picker.tsx';

const WebcamCapture = lazy(() => import('./webcam-capture.tsx'));

type Phase =
  | { step: 'editing' }
  | { step: 'checking' }
  | { step: 'confirm'; request: RegistrationRequest; existingKey: string }
  | { step: 'sending'; request: RegistrationRequest }
  | { step: 'failed'; request: RegistrationRequest | null; error: unknown }
  | { step: 'done'; key: string; cpf: string; at: Date };

export function RegisterPage() {
  const { t, i18n } = useTranslation();
  const environment = useEnvironment();
  const env = environment.name;
  const announce = useAnnounce();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const id = useId();
  const [params] = useSearchParams();
  const [phase, setPhase] = useState<Phase>({ step: 'editing' });
  const [picture, setPicture] = useState<Picture | null>(null);
  const [pictureError, setPictureError] = useState(false);
  const [cameraOn, setCameraOn] = useState(false);
  const [pictureCheck, setPictureCheck] = useState<PictureCheck>({ state: 'checking' });
  const [sendAnyway, setSendAnyway] = useState(false);
  const [blocked, setBlocked] = useState(false);
  const [pictureId, setPictureId] = useState(0);
  const outcome = useRef<HTMLHeadingElement>(null);
  const sourceFieldset = useRef<HTMLFieldSetElement>(null);

  const form = useForm<RegistrationFormInput, unknown, RegistrationForm>({
    resolver: zodResolver(registrationFormSchema),
    defaultValues: { document_number: maskCpfPartial(params.get('cpf') ?? ''), source: 'webcam', image_key: '' },
    // Errors appear on submit, then follow each change: no message jumps in while the person moves on.
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const source = useWatch({ control: form.control, name: 'source' });
  const cpfValue = useWatch({ control: form.control, name: 'document_number' });

  const mutation = useMutation({
    ...registerFace(env),
    onSuccess: (answer, request) => {
      void queryClient.invalidateQueries({ queryKey: registrationQueries.all(env) });
      // The picture is dropped the moment it is registered: nothing of the face stays in the page.
      setPicture(null);
      setCameraOn(false);
      form.reset({ document_number: '', source: form.getValues('source'), image_key: '' });
      setPhase({ step: 'done', key: answer.registration_key, cpf: request.document_number, at: new Date() });
    },
    onError: (error, request) => setPhase({ step: 'failed', request, error }),
  });

  useEffect(() => {
    if (phase.step === 'done' || phase.step === 'failed' || phase.step === 'confirm') {
      outcome.current?.focus();
      if (phase.step === 'done') announce(t('register.success.heading'));
      if (phase.step === 'failed') announce(`${t('register.failure.heading')}. ${errorText(phase.error)}`);
      if (phase.step === 'confirm') announce(t('register.confirm.heading'));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- announce once per phase change
  }, [phase]);

  const send = (request: RegistrationRequest) => {
    setPhase({ step: 'sending', request });
    announce(t('register.sending'));
    mutation.mutate(request);
  };

  const onValid = async (values: RegistrationForm) => {
    let request: RegistrationRequest;
    if (values.source === 'key') {
      request = { document_number: values.document_number, image_key: values.image_key.trim().toLowerCase() };
    } else {
      if (picture === null) {
        setPictureError(true);
        sourceFieldset.current?.focus();
        announce(t('register.missingPicture'));
        return;
      }
      // A picture the rules refuse is not sent: QI Tech would refuse it after the customer has left.
      // Outside production QA may send it anyway, to exercise the API's own refusal.
      if (pictureCheck.state === 'done' && pictureCheck.status !== 'ok' && !(environment.synthetic && sendAnyway)) {
        setBlocked(true);
        announce(t('register.check.blocked'));
        return;
      }
      request = { document_number: values.document_number, image: picture.base64 };
    }
    setPhase({ step: 'checking' });
    announce(t('register.checking'));
    try {
      const existing = await queryClient.query({ ...registrationQueries.byDocument(env, values.document_number), staleTime: 0 });
      if (existing === null) send(request);
      else setPhase({ step: 'confirm', request, existingKey: existing.registration_key });
    } catch (error) {
      setPhase({ step: 'failed', request, error });
    }
  };
  const submit = () => form.handleSubmit(onValid)();

  const choosePicture = (next: Picture) => {
    setPicture(next);
    setPictureId((n) => n + 1);
    setPictureCheck({ state: 'checking' });
    setSendAnyway(false);
    setBlocked(false);
    setPictureError(false);
    if (phase.step === 'failed' || phase.step === 'done') setPhase({ step: 'editing' });
  };

  const busy = phase.step === 'checking' || phase.step === 'sending';
  const cpfError = form.formState.errors.document_number;
  const cpfMessage =
    cpfError === undefined ? undefined : cpfValue === '' ? t('cpf.errors.required') : t(`cpf.errors.${cpfProblem(cpfValue) ?? 'format'}`);
  const keyError =
    form.formState.errors.image_key === undefined
      ? undefined
      : form.getValues('image_key').trim() === ''
        ? t('register.key.required')
        : t('register.key.invalid');

  if (phase.step === 'done') {
    return (
      <section aria-labelledby={`${id}-done`} className="result success">
        <h1 id={`${id}-done`} ref={outcome} tabIndex={-1}>
          <span aria-hidden="true">✓ </span>
          {t('register.success.heading')}
        </h1>
        <p>{t('register.success.body', { cpf: phase.cpf, date: formatDateTime(phase.at, i18n.language) })}</p>
        <p className="key-line">
          <span className="label">{t('register.success.keyLabel')}:</span> <code data-testid="registration-key">{phase.key}</code>{' '}
          <CopyButton value={phase.key} what={t('register.success.keyLabel')} />
        </p>
        <ul className="links">
          <li>
            <Link href={pathFor(`/lookup/key/${phase.key}`, env)}>{t('register.success.byKey')}</Link>
          </li>
          <li>
            <Link href={pathFor(`/lookup/document/${phase.cpf}`, env)}>{t('register.success.byDocument')}</Link>
          </li>
        </ul>
        <button type="button" className="button" onClick={() => setPhase({ step: 'editing' })}>
          {t('register.success.another')}
        </button>
      </section>
    );
  }

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>{t('register.heading')}</h1>
      <p className="intro">{t('register.intro')}</p>
      <form onSubmit={(event) => void form.handleSubmit(onValid)(event)} noValidate className="register-form">
        <div className="field">
          <label htmlFor={`${id}-cpf`}>{t('cpf.label')}</label>
          <div className="inline">
            <Controller
              control={form.control}
              name="document_number"
              render={({ field }) => (
                <CpfInput
                  id={`${id}-cpf`}
                  ref={field.ref}
                  name={field.name}
                  value={field.value}
                  onChange={field.onChange}
                  onBlur={field.onBlur}
                  disabled={busy}
                  aria-invalid={cpfMessage !== undefined}
                  aria-describedby={`${id}-cpf-hint${cpfMessage === undefined ? '' : ` ${id}-cpf-error`}`}
                />
              )}
            />
            {environment.synthetic && (
              <button
                type="button"
                className="button secondary"
                disabled={busy}
                onClick={() => {
                  const cpf = generateCpf();
                  form.setValue('document_number', cpf, { shouldValidate: true });
                  announce(t('cpf.generated', { cpf }));
                }}
              >
                {t('cpf.generate')}
              </button>
            )}
          </div>
          <p id={`${id}-cpf-hint`} className="hint">
            {t('cpf.hint')}
          </p>
          {cpfMessage !== undefined && (
            <p id={`${id}-cpf-error`} className="field-error">
              {cpfMessage}
            </p>
          )}
        </div>

        <fieldset
          className="sources"
          ref={sourceFieldset}
          tabIndex={-1}
          aria-describedby={pictureError ? `${id}-picture-error` : undefined}
        >
          <legend>{t('register.source.legend')}</legend>
          <Controller
            control={form.control}
            name="source"
            render={({ field }) => (
              <div className="segmented">
                {PICTURE_SOURCES.map((value) => (
                  <label key={value} className={field.value === value ? 'selected' : undefined}>
                    <input
                      type="radio"
                      name={field.name}
                      value={value}
                      checked={field.value === value}
                      onChange={() => field.onChange(value)}
                      disabled={busy}
                    />
                    {t(`register.source.${value}`)}
                  </label>
                ))}
              </div>
            )}
          />

          {source !== 'key' && picture !== null ? (
            <PicturePreview
              key={pictureId}
              picture={picture}
              // From the camera, discarding means taking another: the camera is still on.
              discardLabel={source === 'webcam' ? t('register.webcam.retake') : t('register.preview.discard')}
              onDiscard={() => {
                setPicture(null);
              }}
              onCheck={setPictureCheck}
              onReplace={choosePicture}
            />
          ) : source === 'webcam' ? (
            cameraOn ? (
              <Suspense fallback={<p role="status">{t('register.webcam.starting')}</p>}>
                <WebcamCapture onPicture={choosePicture} onStop={() => setCameraOn(false)} />
              </Suspense>
            ) : (
              <div className="stack">
                <p>{t('register.webcam.explain')}</p>
                <button type="button" className="button" onClick={() => setCameraOn(true)}>
                  {t('register.webcam.start')}
                </button>
              </div>
            )
          ) : source === 'upload' ? (
            <UploadPicker onPicture={choosePicture} />
          ) : (
            <ImageKeyField
              field={form.register('image_key')}
              error={keyError}
              onKey={(key) => form.setValue('image_key', key, { shouldValidate: true })}
            />
          )}
          {source !== 'key' &&
            picture !== null &&
            pictureCheck.state === 'done' &&
            pictureCheck.status !== 'ok' &&
            environment.synthetic && (
              <label className="checkbox">
                <input type="checkbox" checked={sendAnyway} onChange={(event) => setSendAnyway(event.target.checked)} />
                {t('register.check.sendAnyway')}
              </label>
            )}
          {blocked && source !== 'key' && picture !== null && (
            <p className="field-error" role="alert">
              {t('register.check.blocked')}
            </p>
          )}
          {pictureError && source !== 'key' && picture === null && (
            <p id={`${id}-picture-error`} className="field-error" role="alert">
              {t('register.missingPicture')}
            </p>
          )}
        </fieldset>

        {phase.step === 'confirm' && (
          <div className="alert warning" role="alertdialog" aria-labelledby={`${id}-confirm`} aria-describedby={`${id}-confirm-body`}>
            <h2 id={`${id}-confirm`} ref={outcome} tabIndex={-1}>
              {t('register.confirm.heading')}
            </h2>
            <p id={`${id}-confirm-body`}>{t('register.confirm.body', { cpf: phase.request.document_number, key: phase.existingKey })}</p>
            <div className="actions">
              <button type="button" className="button" onClick={() => send(phase.request)}>
                {t('register.confirm.confirm')}
              </button>
              <button type="button" className="button secondary" onClick={() => setPhase({ step: 'editing' })}>
                {t('register.confirm.cancel')}
              </button>
            </div>
          </div>
        )}

        {phase.step === 'failed' && (
          <div className="failure">
            <h2 ref={outcome} tabIndex={-1}>
              {t('register.failure.heading')}
            </h2>
            <ApiErrorMessage error={phase.error} />
            <p>{t('register.failure.kept')}</p>
            {phase.request !== null && (
              <button type="button" className="button secondary" onClick={() => void submit()}>
                {t('app.retry')}
              </button>
            )}
          </div>
        )}

        <div className="actions">
          <button type="submit" className="button primary" disabled={busy} aria-describedby={busy ? `${id}-progress` : undefined}>
            {busy ? t(phase.step === 'checking' ? 'register.checking' : 'register.sending') : t('register.submit')}
          </button>
          {busy && (
            <span
              id={`${id}-progress`}
              className="progress"
              role="progressbar"
              aria-label={t(phase.step === 'checking' ? 'register.checking' : 'register.sending')}
            />
          )}
        </div>
      </form>
    </section>
  );
}
