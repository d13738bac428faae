import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'wouter';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { OUTCOME_UNKNOWN_TITLES } from '../../../../contract/console.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfProblem, generateCpf, maskCpfPartial } from '../../../../contract/cpf.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import type { RegistrationRequest } from '../../../../contract/registration.ts';
import { ApiError } from '../../../api/client.ts';
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
import { PicturePreview, refusalReasonKey } from './picture-preview.tsx';
import type { PictureCheck, PictureOrigin } from './picture-preview.tsx';
import { UploadPicker } from './upload-picker.tsx';

const WebcamCapture = lazy(() => import('./webcam-capture.tsx'));

/**
 * `before` is the key the CPF's look-up found before sending (null: none). A send whose answer
 * never came is judged by looking the CPF up again: a key other than `before` is the new registration.
 * `override` is the status of the console's face check when it refused the picture and the person
 * sends it anyway (null: not refused); it goes with the request, to the audit trail.
 */
type Phase =
  | { step: 'editing' }
  | { step: 'checking' }
  | { step: 'confirm'; request: RegistrationRequest; before: string | null; override: FaceStatus | null }
  | { step: 'sending'; request: RegistrationRequest; before: string | null; override: FaceStatus | null }
  | { step: 'verifying'; request: RegistrationRequest; before: string | null; override: FaceStatus | null; error: unknown }
  | { step: 'failed'; request: RegistrationRequest | null; error: unknown }
  /** The answer never came, and the look-up shows nothing was created: sending again is safe. */
  | { step: 'notCreated'; request: RegistrationRequest; before: string | null; override: FaceStatus | null; error: unknown }
  /** The answer never came, and the look-up failed too: it may have been created. */
  | {
      step: 'unverified';
      request: RegistrationRequest;
      before: string | null;
      override: FaceStatus | null;
      error: unknown;
      lookupError: unknown;
    }
  /** `env`: where it was registered, named beside the key (the selector may have moved since). */
  | { step: 'done'; key: string; cpf: string; at: Date; late: boolean; env: EnvironmentName };

/**
 * A send that may have been carried out although no answer came back: the upstream timed out or
 * its connection was cut, the console server itself could not be reached mid-request, or the
 * upstream answered success (2xx) with something the console could not read.
 */
function outcomeUnknown(error: unknown): boolean {
  const unreadableSuccess = (e: ApiError) => e.title === 'bad_upstream_answer' && Math.floor((e.upstreamStatus ?? 0) / 100) === 2;
  return (
    error instanceof ApiError &&
    (error.status === 0 || OUTCOME_UNKNOWN_TITLES.some((title) => title === error.title) || unreadableSuccess(error))
  );
}

/** The API's refusals of the picture itself, or of the key that names it: the same bytes or key would be refused again. */
const PICTURE_REFUSALS: readonly string[] = [
  'image_quality',
  'invalid_image',
  'unsupported_image_format',
  'image_too_small',
  'image_too_large',
  'payload_too_large',
  'image_key_not_found',
  'invalid_image_key',
];

function pictureRefused(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && PICTURE_REFUSALS.includes(error.title);
}

const PROGRESS = {
  checking: 'register.checking',
  sending: 'register.sending',
  verifying: 'register.verifying',
} as const;

export function RegisterPage() {
  const { t, i18n } = useTranslation();
  const environment = useEnvironment();
  const env = environment.name;
  // Production holds real people's data: every registration there is confirmed first.
  const production = env === 'production';
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
  const submitButton = useRef<HTMLButtonElement>(null);
  const sourceFieldset = useRef<HTMLFieldSetElement>(null);

  const form = useForm<RegistrationFormInput, unknown, RegistrationForm>({
    resolver: zodResolver(registrationFormSchema),
    defaultValues: { document_number: maskCpfPartial(params.get('cpf') ?? ''), consent: false, source: 'webcam', image_key: '' },
    // Errors appear on submit, then follow each change: no message jumps in while the person moves on.
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const source = useWatch({ control: form.control, name: 'source' });
  const cpfValue = useWatch({ control: form.control, name: 'document_number' });
  const origin: PictureOrigin = source === 'webcam' ? 'camera' : 'photo';
  // Read to a Brazilian customer: Portuguese whatever the console's language; English only for the staff member's eyes.
  const [termInEnglish, setTermInEnglish] = useState(false);

  const mutation = useMutation(registerFace(env));

  /** One confirmation for all it asks: production, a CPF already registered, a picture the check refused. */
  const confirmHeading = (confirm: { before: string | null; override: FaceStatus | null }) =>
    t(
      production
        ? 'register.confirm.production.heading'
        : confirm.before !== null
          ? 'register.confirm.heading'
          : 'register.confirm.override.heading',
    );
  /** The same words for the reason as the preview's. */
  const overrideText = (status: FaceStatus) => t('register.confirm.override.body', { reason: t(refusalReasonKey(status, origin)) });

  useEffect(() => {
    const cpf = 'request' in phase && phase.request !== null ? phase.request.document_number : '';
    const message =
      phase.step === 'done'
        ? `${t('register.success.heading')}. ${t('register.success.environmentLabel')}: ${t(`environments.${phase.env}.name`)}` +
          (phase.late ? `. ${t('register.success.late')}` : '')
        : phase.step === 'failed'
          ? `${t('register.failure.heading')}. ${errorText(phase.error)}`
          : phase.step === 'confirm'
            ? confirmHeading(phase) + (phase.override === null ? '' : `. ${overrideText(phase.override)}`)
            : phase.step === 'notCreated'
              ? `${t('register.notCreated.heading')}. ${t('register.notCreated.body', { cpf })}`
              : phase.step === 'unverified'
                ? `${t('register.unverified.heading')}. ${t('register.unverified.body', { cpf })}`
                : undefined;
    if (message !== undefined) {
      outcome.current?.focus();
      announce(message);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- announce once per phase change
  }, [phase]);

  const registered = (key: string, cpf: string, late: boolean) => {
    void queryClient.invalidateQueries({ queryKey: registrationQueries.all(env) });
    // The picture is dropped the moment it is registered: nothing of the face stays in the page,
    // nor in the mutation's remembered variables.
    mutation.reset();
    setPicture(null);
    setCameraOn(false);
    // The next customer accepts the term for themselves.
    form.reset({ document_number: '', consent: false, source: form.getValues('source'), image_key: '' });
    setPhase({ step: 'done', key, cpf, at: new Date(), late, env });
  };

  /** After a send with no answer: the CPF's look-up tells whether it was created, before anyone sends again. */
  const verify = async (request: RegistrationRequest, before: string | null, override: FaceStatus | null, error: unknown) => {
    setPhase({ step: 'verifying', request, before, override, error });
    announce(t('register.verifying'));
    try {
      const found = await queryClient.query({ ...registrationQueries.byDocument(env, request.document_number), staleTime: 0 });
      const key = found?.registration_key ?? null;
      if (key !== null && key.toLowerCase() !== before?.toLowerCase()) registered(key, request.document_number, true);
      else setPhase({ step: 'notCreated', request, before, override, error });
    } catch (lookupError) {
      setPhase({ step: 'unverified', request, before, override, error, lookupError });
    }
  };

  const send = (request: RegistrationRequest, before: string | null, override: FaceStatus | null) => {
    setPhase({ step: 'sending', request, before, override });
    announce(t('register.sending'));
    // Sent only from a submit the form validated, or a confirmation of one: an unticked term drops those (startOver).
    mutation.mutate(
      { request, consentTerm: CONSENT_TERM.version, ...(override === null ? {} : { faceCheckOverride: override }) },
      {
        onSuccess: (answer) => registered(answer.registration_key, request.document_number, false),
        onError: (error) => {
          if (outcomeUnknown(error)) void verify(request, before, override, error);
          else setPhase({ step: 'failed', request, error });
        },
      },
    );
  };

  const onValid = async (values: RegistrationForm) => {
    let request: RegistrationRequest;
    let override: FaceStatus | null = null;
    if (values.source === 'key') {
      request = { document_number: values.document_number, image_key: values.image_key.trim().toLowerCase() };
    } else {
      if (picture === null) {
        setPictureError(true);
        sourceFieldset.current?.focus();
        announce(t('register.missingPicture'));
        return;
      }
      if (pictureCheck.state === 'done' && pictureCheck.status !== 'ok') {
        // A picture the rules refuse is likely refused by QI Tech too, after the customer has left;
        // but the browser's check can be wrong, and a customer who cannot be registered is stuck.
        // So it may still be sent, never silently: outside production QA ticks "send anyway" (to
        // exercise the API's own refusal); elsewhere the confirmation names the reason. Either way
        // the server writes the override to the audit trail.
        if (environment.synthetic && !sendAnyway) {
          setBlocked(true);
          announce(t('register.check.blocked'));
          return;
        }
        override = pictureCheck.status;
      }
      request = { document_number: values.document_number, image: picture.base64 };
    }
    setPhase({ step: 'checking' });
    announce(t('register.checking'));
    try {
      const existing = await queryClient.query({ ...registrationQueries.byDocument(env, values.document_number), staleTime: 0 });
      const before = existing?.registration_key ?? null;
      // The "send anyway" box was the confirmation of an override where it exists.
      if (before === null && !production && (override === null || environment.synthetic)) send(request, null, override);
      else setPhase({ step: 'confirm', request, before, override });
    } catch (error) {
      setPhase({ step: 'failed', request, error });
    }
  };
  /** The form's own rules refused it: a missing picture is said at the same time, not after. */
  const onInvalid = () => {
    if (form.getValues('source') !== 'key' && picture === null) setPictureError(true);
  };
  const submit = () => form.handleSubmit(onValid, onInvalid)();

  /**
   * What is sent must be what is on screen: an edit while a confirmation or a "send again" waits
   * drops the request those hold, and the next submit checks and asks again.
   */
  const startOver = () => {
    if (phase.step === 'confirm' || phase.step === 'notCreated') setPhase({ step: 'editing' });
  };

  /** Cancel or Escape: back to the form, everything in it kept, focus where the person was. */
  const cancelConfirm = () => {
    // The submit button is hidden while the confirmation stands in for it: shown again before it takes focus.
    flushSync(() => setPhase({ step: 'editing' }));
    submitButton.current?.focus();
  };

  /** After the API refused the picture: another one is taken or chosen, the CPF and the consent kept. */
  const replacePicture = () => {
    flushSync(() => {
      setPicture(null);
      setPhase({ step: 'editing' });
      if (source === 'webcam') setCameraOn(true);
    });
    sourceFieldset.current?.focus();
  };

  const choosePicture = (next: Picture) => {
    setPicture(next);
    setPictureId((n) => n + 1);
    setPictureCheck({ state: 'checking' });
    setSendAnyway(false);
    setBlocked(false);
    setPictureError(false);
    // A request kept for sending again would carry the previous picture.
    if (
      phase.step === 'confirm' ||
      phase.step === 'failed' ||
      phase.step === 'notCreated' ||
      phase.step === 'unverified' ||
      phase.step === 'done'
    ) {
      setPhase({ step: 'editing' });
    }
  };

  const progress = phase.step === 'checking' || phase.step === 'sending' || phase.step === 'verifying' ? PROGRESS[phase.step] : undefined;
  const busy = progress !== undefined;
  const cpfError = form.formState.errors.document_number;
  const cpfMessage =
    cpfError === undefined ? undefined : cpfValue === '' ? t('cpf.errors.required') : t(`cpf.errors.${cpfProblem(cpfValue) ?? 'format'}`);
  const consentMessage = form.formState.errors.consent === undefined ? undefined : t('register.consent.required');
  const termLanguage = termInEnglish ? 'en' : 'pt-BR';
  const failedWithKey = phase.step === 'failed' && phase.request?.image_key !== undefined;
  const refused = phase.step === 'failed' && pictureRefused(phase.error);
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
        {phase.late && <p>{t('register.success.late')}</p>}
        <p className="key-line">
          <span className="label">{t('register.success.keyLabel')}:</span> <code data-testid="registration-key">{phase.key}</code>{' '}
          <CopyButton value={phase.key} what={t('register.success.keyLabel')} />
        </p>
        <p data-testid="registered-environment">
          <span className="label">{t('register.success.environmentLabel')}:</span> <strong>{t(`environments.${phase.env}.name`)}</strong>
        </p>
        <ul className="links">
          <li>
            <Link href={pathFor(`/lookup/key/${phase.key}`, phase.env)}>{t('register.success.byKey')}</Link>
          </li>
          <li>
            <Link href={pathFor(`/lookup/document/${phase.cpf}`, phase.env)}>{t('register.success.byDocument')}</Link>
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
      <form onSubmit={(event) => void form.handleSubmit(onValid, onInvalid)(event)} noValidate className="register-form">
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
                  onChange={(value) => {
                    field.onChange(value);
                    startOver();
                  }}
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
                  startOver();
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

        <fieldset className="consent" aria-describedby={`${id}-consent-intro`}>
          <legend>{t('register.consent.legend', { version: CONSENT_TERM.version })}</legend>
          <p id={`${id}-consent-intro`} className="hint">
            {t('register.consent.intro')}
          </p>
          <blockquote className="consent-term" lang={termLanguage} data-testid="consent-term">
            <p>{CONSENT_TERM[termLanguage]}</p>
          </blockquote>
          <button type="button" className="button secondary small term-language" onClick={() => setTermInEnglish((english) => !english)}>
            {t(termInEnglish ? 'register.consent.showPortuguese' : 'register.consent.showEnglish')}
          </button>
          <Controller
            control={form.control}
            name="consent"
            render={({ field }) => (
              <label className="checkbox">
                <input
                  type="checkbox"
                  ref={field.ref}
                  name={field.name}
                  checked={field.value}
                  onChange={(event) => {
                    field.onChange(event.target.checked);
                    startOver();
                  }}
                  onBlur={field.onBlur}
                  disabled={busy}
                  aria-invalid={consentMessage !== undefined}
                  aria-describedby={consentMessage === undefined ? undefined : `${id}-consent-error`}
                />
                {t('register.consent.accept', { version: CONSENT_TERM.version })}
              </label>
            )}
          />
          {consentMessage !== undefined && (
            <p id={`${id}-consent-error`} className="field-error">
              {consentMessage}
            </p>
          )}
        </fieldset>

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
                      onChange={() => {
                        field.onChange(value);
                        startOver();
                      }}
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
              origin={origin}
              // From the camera, discarding means taking another: the camera is still on.
              discardLabel={source === 'webcam' ? t('register.webcam.retake') : t('register.preview.discard')}
              onDiscard={() => {
                startOver();
                setPicture(null);
              }}
              onCheck={(check) => {
                setPictureCheck(check);
                // A refusal that comes in while a confirmation waits was not in it: asked again, with the reason.
                if (phase.step === 'confirm' && check.state === 'done' && check.status !== 'ok' && phase.override !== check.status) {
                  setPhase({ step: 'editing' });
                }
              }}
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
              field={form.register('image_key', { onChange: startOver })}
              error={keyError}
              onKey={(key) => {
                form.setValue('image_key', key, { shouldValidate: true });
                startOver();
              }}
            />
          )}
          {source !== 'key' &&
            picture !== null &&
            pictureCheck.state === 'done' &&
            pictureCheck.status !== 'ok' &&
            environment.synthetic && (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={sendAnyway}
                  onChange={(event) => {
                    setSendAnyway(event.target.checked);
                    // Ticked, the box is the answer to "cannot be sent": the refusal to send is over.
                    if (event.target.checked) setBlocked(false);
                  }}
                />
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
          <div
            className={production ? 'alert warning production' : 'alert warning'}
            role="alertdialog"
            aria-labelledby={`${id}-confirm`}
            aria-describedby={[
              production && `${id}-confirm-production`,
              phase.override !== null && `${id}-confirm-override`,
              phase.before !== null && `${id}-confirm-body`,
            ]
              .filter(Boolean)
              .join(' ')}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                event.preventDefault();
                cancelConfirm();
              }
            }}
          >
            <h2 id={`${id}-confirm`} ref={outcome} tabIndex={-1}>
              {confirmHeading(phase)}
            </h2>
            {production && (
              <p id={`${id}-confirm-production`}>{t('register.confirm.production.body', { cpf: phase.request.document_number })}</p>
            )}
            {phase.override !== null && (
              <p id={`${id}-confirm-override`} className="override">
                {overrideText(phase.override)}
              </p>
            )}
            {phase.before !== null && (
              <p id={`${id}-confirm-body`}>{t('register.confirm.body', { cpf: phase.request.document_number, key: phase.before })}</p>
            )}
            <div className="actions">
              <button
                type="button"
                className={production || phase.override !== null ? 'button danger' : 'button'}
                onClick={() => send(phase.request, phase.before, phase.override)}
              >
                {t(
                  phase.override !== null
                    ? 'register.confirm.override.confirm'
                    : production
                      ? 'register.confirm.production.confirm'
                      : 'register.confirm.confirm',
                )}
              </button>
              <button type="button" className="button secondary" onClick={cancelConfirm}>
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
            <p>
              {t(
                failedWithKey
                  ? refused
                    ? 'register.failure.keyRefused'
                    : 'register.failure.keptKey'
                  : refused
                    ? 'register.failure.pictureRefused'
                    : 'register.failure.kept',
              )}
            </p>
            {/* Sending again what the API refused would only be refused again: another picture instead, or the key corrected. */}
            {refused
              ? !failedWithKey &&
                picture !== null && (
                  <button type="button" className="button secondary" onClick={replacePicture}>
                    {t(origin === 'camera' ? 'register.webcam.retake' : 'register.failure.chooseAnother')}
                  </button>
                )
              : phase.request !== null && (
                  <button type="button" className="button secondary" onClick={() => void submit()}>
                    {t('app.retry')}
                  </button>
                )}
          </div>
        )}

        {phase.step === 'notCreated' && (
          <div className="failure">
            <h2 ref={outcome} tabIndex={-1}>
              {t('register.notCreated.heading')}
            </h2>
            <p>{t('register.notCreated.body', { cpf: phase.request.document_number })}</p>
            <ApiErrorMessage error={phase.error} />
            {/* Every confirmation (production, re-registration, a refused picture) was given for this very request. */}
            <button type="button" className="button secondary" onClick={() => send(phase.request, phase.before, phase.override)}>
              {t('register.notCreated.resend')}
            </button>
          </div>
        )}

        {phase.step === 'unverified' && (
          <div className="failure">
            <h2 ref={outcome} tabIndex={-1}>
              {t('register.unverified.heading')}
            </h2>
            <p>{t('register.unverified.body', { cpf: phase.request.document_number })}</p>
            <ApiErrorMessage error={phase.lookupError} heading={t('register.unverified.lookupFailed')} />
            {/* Never a blind resend: it might register the customer twice. */}
            <button
              type="button"
              className="button secondary"
              onClick={() => void verify(phase.request, phase.before, phase.override, phase.error)}
            >
              {t('register.unverified.check')}
            </button>
          </div>
        )}

        {/* While the confirmation is open, its own buttons replace this one. */}
        <div className="actions" hidden={phase.step === 'confirm'}>
          <button
            type="submit"
            ref={submitButton}
            className="button primary"
            disabled={busy}
            aria-describedby={busy ? `${id}-progress` : undefined}
          >
            {progress === undefined ? t('register.submit') : t(progress)}
          </button>
          {progress !== undefined && <span id={`${id}-progress`} className="progress" role="progressbar" aria-label={t(progress)} />}
        </div>
      </form>
    </section>
  );
}
