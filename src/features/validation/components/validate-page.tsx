import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Suspense, lazy, useContext, useEffect, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { Link } from 'wouter';
import { can } from '../../../../contract/access.ts';
import { cpfProblem } from '../../../../contract/cpf.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { CpfInput } from '../../../components/ui/cpf-input.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { sessionQueries } from '../../../api/session.ts';
import { EnvironmentContext, pathFor, useEnvironment } from '../../../lib/environment.tsx';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { ConfirmPanel, confirmHeading, overrideText } from '../../registration/components/outcome-panels.tsx';
import { PictureFieldView, usePictureField } from '../../registration/components/picture-field.tsx';
import type { Picture } from '../../registration/lib/picture.ts';
import type { PictureOrigin } from '../../registration/lib/picture-check.ts';
import { validateFace, validationFormSchema } from '../api/validation.ts';
import type { ValidationForm, ValidationFormInput, ValidationRequest } from '../api/validation.ts';
import { ValidationFailurePanel, ValidationResult, useValidationErrorText, verdictBody, verdictText } from './validation-outcome.tsx';
import type { Validated, ValidationFailure } from './validation-outcome.tsx';
import './validation.css';
import { PictureSourcePicker } from '../../registration/components/picture-source-picker.tsx';

// Shown only when the image key is chosen, as on the register page.
const ImageKeyField = lazy(() =>
  import('../../registration/components/image-key-field.tsx').then((module) => ({ default: module.ImageKeyField })),
);

type Outcome = ({ kind: 'validated' } & Validated) | ({ kind: 'failed' } & ValidationFailure);

/** A picture the console's check refused, waiting for "Enviar mesmo assim" where no box was the confirmation (production). */
interface Confirming {
  request: ValidationRequest;
  override: FaceStatus;
}

/** Where validation is not offered: said, with the way to have it, and where else it is. */
function NotEnabled() {
  const { t } = useTranslation();
  const state = useContext(EnvironmentContext);
  const environment = useEnvironment();
  const elsewhere = (state?.all ?? []).filter((e) => e.validation);
  return (
    <div className="alert warning" data-testid="validation-not-enabled">
      <p className="alert-heading">{t('validate.notEnabled.body', { env: t(`environments.${environment.name}.name`) })}</p>
      <p>{t('validate.notEnabled.admin')}</p>
      {elsewhere.length > 0 && (
        <p>
          {t('validate.notEnabled.elsewhere')}{' '}
          {elsewhere.map((e, index) => (
            <span key={e.name}>
              {index > 0 && ', '}
              <Link href={pathFor('/validate', e.name)}>{t(`environments.${e.name}.name`)}</Link>
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

/**
 * The CPF and a new picture of the customer (camera, photo or image key, with the register page's
 * picture field and its checks), compared with the face registered for that CPF. The verdict in
 * words beside the form; on a refusal the CPF and the picture stay. Neither ever goes into the
 * address or the browser's storage.
 */
function ValidateForm() {
  const { t } = useTranslation();
  const environment = useEnvironment();
  const env = environment.name;
  const account = useQuery(sessionQueries.current()).data?.account;
  const mayUpload = account != null && can(account, 'register');
  const announce = useAnnounce();
  const errorText = useValidationErrorText();
  const id = useId();
  const pictureField = usePictureField();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  /** A submit found no picture. Said here rather than by the picture field, whose words are the register page's. */
  const [pictureMissing, setPictureMissing] = useState(false);
  const outcomeHeading = useRef<HTMLHeadingElement>(null);
  const submitButton = useRef<HTMLButtonElement>(null);
  const mutation = useMutation(validateFace(env));

  const form = useForm<ValidationFormInput, unknown, ValidationForm>({
    resolver: zodResolver(validationFormSchema),
    defaultValues: { document_number: '', source: 'webcam', image_key: '' },
    // As on the register page: errors appear on submit, then follow each change.
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const source = useWatch({ control: form.control, name: 'source' });
  const cpfValue = useWatch({ control: form.control, name: 'document_number' });
  const origin: PictureOrigin = source === 'webcam' ? 'camera' : 'photo';
  const busy = mutation.isPending;

  useEffect(() => {
    if (outcome === null) return;
    outcomeHeading.current?.focus();
    announce(
      outcome.kind === 'validated'
        ? `${verdictText(t, outcome.answer)}. ${verdictBody(t, outcome.answer)}`
        : `${t('validate.failure.heading')}. ${errorText(outcome)}`,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- announce once per outcome
  }, [outcome]);

  useEffect(() => {
    if (confirming === null) return;
    outcomeHeading.current?.focus();
    announce(`${confirmHeading(t, { ...confirming, before: null })}. ${overrideText(t, confirming.override, origin)}`);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- announce once per question
  }, [confirming]);

  /** What the form shows changed: a verdict or a question about the previous one no longer describes it. */
  const edited = () => {
    setConfirming(null);
    setOutcome((current) => (current?.kind === 'validated' ? null : current));
  };

  /** Sends the validation; `override` is the check's status for a refused picture sent anyway (the server audits it). */
  const send = (request: ValidationRequest, override: FaceStatus | null = null) => {
    setConfirming(null);
    setOutcome(null);
    announce(t('validate.validating'));
    const failedOrigin = 'image_key' in request ? 'key' : origin;
    mutation.mutate(
      { request, ...(override === null ? {} : { faceCheckOverride: override }) },
      {
        onSuccess: (answer) => {
          // The answer is kept in the page; the request, which holds the picture, is not.
          mutation.reset();
          setOutcome({ kind: 'validated', answer, env });
        },
        onError: (error) => setOutcome({ kind: 'failed', error, cpf: request.document_number, origin: failedOrigin }),
      },
    );
  };

  const onValid = (values: ValidationForm) => {
    if (values.source === 'key') {
      send({ document_number: values.document_number, image_key: values.image_key.trim().toLowerCase() });
      return;
    }
    if (pictureField.state.picture === null) {
      setPictureMissing(true);
      pictureField.groupRef.current?.focus();
      announce(t('validate.missingPicture'));
      return;
    }
    const verdict = pictureField.verdict(environment.synthetic);
    if (!verdict.ready) {
      announce(t('register.check.blocked'));
      return;
    }
    const request = { document_number: values.document_number, image: verdict.picture.base64 };
    // Where the "send anyway" box is not offered (production), a refused picture is sent only after a question naming the reason.
    if (verdict.override !== null && !environment.synthetic) {
      setOutcome(null);
      setConfirming({ request, override: verdict.override });
      return;
    }
    send(request, verdict.override);
  };
  /** The form's own rules refused it: a missing picture is said at the same time, not after. */
  const onInvalid = () => {
    if (form.getValues('source') !== 'key' && pictureField.state.picture === null) setPictureMissing(true);
  };
  const submit = () => form.handleSubmit(onValid, onInvalid)();

  /** Cancel or Escape: back to the form, everything in it kept, focus on the button. */
  const cancelConfirm = () => {
    flushSync(() => setConfirming(null));
    submitButton.current?.focus();
  };

  const choosePicture = (next: Picture) => {
    pictureField.choose(next);
    setPictureMissing(false);
    setConfirming(null);
    setOutcome(null);
  };

  // The register page's words for a CPF, which the same schema checked.
  const cpfMessage =
    form.formState.errors.document_number === undefined
      ? undefined
      : cpfValue === ''
        ? t('cpf.errors.required')
        : t(`cpf.errors.${cpfProblem(cpfValue) ?? 'format'}`);
  const keyError =
    form.formState.errors.image_key === undefined
      ? undefined
      : form.getValues('image_key').trim() === ''
        ? t('register.key.required')
        : t('register.key.invalid');

  return (
    <form onSubmit={(event) => void form.handleSubmit(onValid, onInvalid)(event)} noValidate className="register-form">
      <div className="desk-column desk-form">
        <p className="intro">{t('validate.intro')}</p>
        <Field id={`${id}-cpf`} label={t('cpf.label')} hint={t('cpf.hint')} error={cpfMessage}>
          {(control) => (
            <Controller
              control={form.control}
              name="document_number"
              render={({ field }) => (
                <CpfInput
                  {...control}
                  ref={field.ref}
                  name={field.name}
                  value={field.value}
                  onChange={(value) => {
                    field.onChange(value);
                    edited();
                  }}
                  onBlur={field.onBlur}
                  disabled={busy}
                />
              )}
            />
          )}
        </Field>
        {outcome?.kind === 'validated' && <ValidationResult validated={outcome} heading={outcomeHeading} />}
        {outcome?.kind === 'failed' && (
          <ValidationFailurePanel
            failure={outcome}
            retake={
              outcome.origin === 'key' || pictureField.state.picture === null
                ? undefined
                : t(outcome.origin === 'camera' ? 'register.webcam.retake' : 'register.failure.chooseAnother')
            }
            heading={outcomeHeading}
            onReplace={() => {
              setOutcome(null);
              pictureField.replace(source);
            }}
            onRetry={() => void submit()}
          />
        )}
      </div>

      <div className="desk-column desk-picture">
        <Controller
          control={form.control}
          name="source"
          render={({ field }) => (
            <PictureSourcePicker
              name={field.name}
              value={field.value}
              onChange={(value) => {
                field.onChange(value);
                edited();
              }}
              disabled={busy}
            />
          )}
        />
        {source === 'key' ? (
          <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
            <ImageKeyField
              offerUpload={mayUpload}
              field={form.register('image_key', { onChange: edited })}
              error={keyError}
              onKey={(key) => {
                form.setValue('image_key', key, { shouldValidate: true });
                edited();
              }}
            />
          </Suspense>
        ) : (
          <PictureFieldView
            field={pictureField}
            source={source}
            synthetic={environment.synthetic}
            autoCapture
            onPicture={choosePicture}
            onDiscard={edited}
            onCheck={(check) => {
              // A refusal that comes in while the question waits was not in it: asked again, with the reason.
              if (confirming !== null && check.state === 'done' && check.status !== 'ok' && confirming.override !== check.status) {
                setConfirming(null);
              }
            }}
          />
        )}
        {source !== 'key' && pictureMissing && pictureField.state.picture === null && (
          <p className="field-error" role="alert">
            {t('validate.missingPicture')}
          </p>
        )}

        {confirming !== null && (
          <ConfirmPanel
            pending={{ request: confirming.request, before: null, override: confirming.override }}
            production={false}
            origin={origin}
            heading={outcomeHeading}
            onConfirm={() => send(confirming.request, confirming.override)}
            onCancel={cancelConfirm}
          />
        )}

        {/* While the question is open, its own buttons replace this one. */}
        <div className="actions" hidden={confirming !== null}>
          <button
            type="submit"
            ref={submitButton}
            className="button primary"
            disabled={busy}
            aria-describedby={busy ? `${id}-progress` : undefined}
          >
            {busy ? t('validate.validating') : t('validate.submit')}
          </button>
          {busy && <span id={`${id}-progress`} className="progress" role="progressbar" aria-label={t('validate.validating')} />}
        </div>
      </div>
    </form>
  );
}

export default function ValidatePage() {
  const { t } = useTranslation();
  const environment = useEnvironment();
  const id = useId();
  return (
    // The desk's two columns (styles.css) only around the form: the notice alone takes the page's width.
    <section aria-labelledby={`${id}-heading`} className={environment.validation ? 'desk' : undefined}>
      <h1 id={`${id}-heading`}>{t('validate.heading')}</h1>
      {environment.validation ? <ValidateForm /> : <NotEnabled />}
    </section>
  );
}
