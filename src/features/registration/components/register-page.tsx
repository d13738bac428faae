import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useId, useReducer, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { useSearchParams } from 'wouter';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { cpfDigits, cpfProblem, generateCpf, maskCpf, maskCpfPartial } from '../../../../contract/cpf.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import type { DuplicateFace, RegistrationRequest } from '../../../../contract/registration.ts';
import { registerFace, registrationQueries } from '../../../api/registrations.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { useErrorText } from '../../../components/ui/api-error-message.tsx';
import { CpfInput } from '../../../components/ui/cpf-input.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { carryCpf, useCarriedCpf } from '../../../lib/carried-cpf.ts';
import { useEnvironment } from '../../../lib/environment.tsx';
import { registrationFormSchema } from '../api/registration-form.ts';
import type { RegistrationForm, RegistrationFormInput } from '../api/registration-form.ts';
import { busyStep, deskReducer, initialDesk, needsConfirmation, outcomeUnknown, pictureRefused } from '../lib/send-protocol.ts';
import type { Pending } from '../lib/send-protocol.ts';
import { ConsentField } from './consent-field.tsx';
import { CpfStatus } from './cpf-status.tsx';
import {
  ConfirmPanel,
  FailurePanel,
  NotCreatedPanel,
  SuccessBanner,
  UnverifiedPanel,
  confirmHeading,
  overrideText,
} from './outcome-panels.tsx';
import { PictureFieldView, usePictureField } from './picture-field.tsx';
import type { Picture } from '../lib/picture.ts';
import type { PictureOrigin } from '../lib/picture-check.ts';
import { PictureSourcePicker } from './picture-source-picker.tsx';

// Shown only when the desk chooses the SDK's image key: not on the first page's path.
const ImageKeyField = lazy(() => import('./image-key-field.tsx').then((module) => ({ default: module.ImageKeyField })));

/**
 * The desk: customer after customer. Form on the left (CPF, consent, where the picture comes
 * from), the picture, its check and the button on the right; after a registration, a banner above
 * a fresh form, focus in the CPF, the camera still on.
 */
export function RegisterPage() {
  const { t } = useTranslation();
  const environment = useEnvironment();
  const env = environment.name;
  const production = env === 'production';
  const announce = useAnnounce();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const id = useId();
  const [params, setParams] = useSearchParams();
  // "Register this CPF" from a look-up carries it in the history state (carried-cpf.ts); an older
  // link's `?cpf=` is read once and taken out of the address.
  const carried = useCarriedCpf();
  const [legacyCpf] = useState(() => params.get('cpf') ?? undefined);
  useEffect(() => {
    if (legacyCpf !== undefined)
      setParams(
        (current) => {
          current.delete('cpf');
          return current;
        },
        { replace: true, state: carryCpf(legacyCpf) },
      );
  }, [legacyCpf, setParams]);
  const [desk, dispatch] = useReducer(deskReducer, initialDesk);
  const { phase, registered } = desk;
  /** The same face under other CPFs, as the last registration's answer named them (set with `registered`, shown with it). */
  const [duplicates, setDuplicates] = useState<readonly DuplicateFace[]>([]);
  const pictureField = usePictureField();
  const outcome = useRef<HTMLHeadingElement>(null);
  const submitButton = useRef<HTMLButtonElement>(null);

  const form = useForm<RegistrationFormInput, unknown, RegistrationForm>({
    resolver: zodResolver(registrationFormSchema),
    defaultValues: { document_number: maskCpfPartial(carried ?? legacyCpf ?? ''), consent: false, source: 'webcam', image_key: '' },
    // Errors appear on submit, then follow each change: no message jumps in while the person moves on.
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const source = useWatch({ control: form.control, name: 'source' });
  const cpfValue = useWatch({ control: form.control, name: 'document_number' });
  /** The CPF once complete and valid: looked up at once, and named on the production button. */
  const typedCpf = cpfProblem(cpfValue) === null ? maskCpf(cpfDigits(cpfValue) ?? '') : undefined;
  const origin: PictureOrigin = source === 'webcam' ? 'camera' : 'photo';

  const mutation = useMutation(registerFace(env));

  useEffect(() => {
    const cpf = 'request' in phase && phase.request !== null ? phase.request.document_number : '';
    const message =
      phase.step === 'failed'
        ? `${t('register.failure.heading')}. ${errorText(phase.error)}`
        : phase.step === 'confirm'
          ? confirmHeading(t, phase) + (phase.override === null ? '' : `. ${overrideText(t, phase.override, origin)}`)
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

  useEffect(() => {
    if (registered === null) return;
    // The next customer: straight into the CPF field; the banner is read out, not focused.
    form.setFocus('document_number');
    announce(
      `${t('register.success.heading')}. ${t('register.success.environmentLabel')}: ${t(`environments.${registered.env}.name`)}` +
        (registered.late ? `. ${t('register.success.late')}` : ''),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per registration
  }, [registered]);

  const onRegistered = (key: string, cpf: string, late: boolean, faces: readonly DuplicateFace[] = []) => {
    // Look-ups of this environment are stale now; each is fetched again when next shown, not at once.
    void queryClient.invalidateQueries({ queryKey: registrationQueries.all(env), refetchType: 'none' });
    // Nothing of the face stays in the page, nor in the mutation's remembered variables.
    mutation.reset();
    pictureField.registered(form.getValues('source'));
    // The next customer accepts the term for themselves.
    form.reset({ document_number: '', consent: false, source: form.getValues('source'), image_key: '' });
    setDuplicates(faces);
    dispatch({ type: 'registered', registered: { key, cpf, late, at: new Date(), env } });
  };

  /** After a send with no answer: the CPF's look-up tells whether it was created, before anyone sends again. */
  const verify = async (pending: Pending, error: unknown) => {
    dispatch({ type: 'verify', ...pending, error });
    announce(t('register.verifying'));
    try {
      const found = await queryClient.query({ ...registrationQueries.byDocument(env, pending.request.document_number), staleTime: 0 });
      const key = found?.registration_key ?? null;
      if (key !== null && key.toLowerCase() !== pending.before?.toLowerCase())
        onRegistered(key, pending.request.document_number, true, found?.duplicate_faces);
      else dispatch({ type: 'notCreated', ...pending, error });
    } catch (lookupError) {
      dispatch({ type: 'unverified', ...pending, error, lookupError });
    }
  };

  const send = (pending: Pending) => {
    const { request, override } = pending;
    dispatch({ type: 'send', ...pending });
    announce(t('register.sending'));
    mutation.mutate(
      { request, consentTerm: CONSENT_TERM.version, ...(override === null ? {} : { faceCheckOverride: override }) },
      {
        onSuccess: (answer) => onRegistered(answer.registration_key, request.document_number, false, answer.duplicate_faces),
        onError: (error) => {
          if (outcomeUnknown(error)) void verify(pending, error);
          else dispatch({ type: 'failed', request, error });
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
      const verdict = pictureField.verdict(environment.synthetic);
      if (!verdict.ready) {
        announce(t(verdict.reason === 'missing' ? 'register.missingPicture' : 'register.check.blocked'));
        return;
      }
      override = verdict.override;
      request = { document_number: values.document_number, image: verdict.picture.base64 };
    }
    dispatch({ type: 'check' });
    announce(t('register.checking'));
    try {
      const existing = await queryClient.query({ ...registrationQueries.byDocument(env, values.document_number), staleTime: 0 });
      const before = existing?.registration_key ?? null;
      if (needsConfirmation({ before, override, synthetic: environment.synthetic }))
        dispatch({ type: 'confirm', request, before, override });
      else send({ request, before, override });
    } catch (error) {
      dispatch({ type: 'failed', request, error });
    }
  };
  /** The form's own rules refused it: a missing picture is said at the same time, not after. */
  const onInvalid = () => {
    if (form.getValues('source') !== 'key') pictureField.markMissing();
  };
  const submit = () => form.handleSubmit(onValid, onInvalid)();
  const edited = () => dispatch({ type: 'edited' });

  /** Cancel or Escape: back to the form, everything in it kept, focus where the person was. */
  const cancelConfirm = () => {
    // The submit button is hidden while the confirmation stands in for it: shown again before it takes focus.
    flushSync(() => dispatch({ type: 'back' }));
    submitButton.current?.focus();
  };

  const choosePicture = (next: Picture) => {
    pictureField.choose(next);
    dispatch({ type: 'pictureChanged' });
  };

  const step = busyStep(phase);
  const busy = step !== undefined;
  const cpfError = form.formState.errors.document_number;
  const cpfMessage =
    cpfError === undefined ? undefined : cpfValue === '' ? t('cpf.errors.required') : t(`cpf.errors.${cpfProblem(cpfValue) ?? 'format'}`);
  const consentMessage = form.formState.errors.consent === undefined ? undefined : t('register.consent.required');
  const failedWithKey = phase.step === 'failed' && phase.request?.image_key !== undefined;
  const keyError =
    form.formState.errors.image_key === undefined
      ? undefined
      : form.getValues('image_key').trim() === ''
        ? t('register.key.required')
        : t('register.key.invalid');
  const submitLabel =
    step !== undefined
      ? t(`register.${step}`)
      : production
        ? typedCpf === undefined
          ? t('register.submitProductionNoCpf')
          : t('register.submitProduction', { cpf: typedCpf })
        : t('register.submit');

  return (
    <section aria-labelledby={`${id}-heading`} className="desk">
      <h1 id={`${id}-heading`}>{t('register.heading')}</h1>
      <form onSubmit={(event) => void form.handleSubmit(onValid, onInvalid)(event)} noValidate className="register-form">
        {/* First in the page on a phone; above the picture, beside the form, from 1024 px. */}
        {registered !== null && (
          <SuccessBanner registered={registered} duplicates={duplicates} onDismiss={() => dispatch({ type: 'dismiss' })} />
        )}
        <div className="desk-column desk-form">
          <p className="intro">{t('register.intro')}</p>
          <Field id={`${id}-cpf`} label={t('cpf.label')} hint={t('cpf.hint')} error={cpfMessage} describedBy={`${id}-cpf-status`}>
            {(control) => (
              <>
                <div className="inline">
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
                  {environment.synthetic && (
                    <button
                      type="button"
                      className="button secondary"
                      disabled={busy}
                      onClick={() => {
                        const cpf = generateCpf();
                        form.setValue('document_number', cpf, { shouldValidate: true });
                        edited();
                        announce(t('cpf.generated', { cpf }));
                      }}
                    >
                      {t('cpf.generate')}
                    </button>
                  )}
                </div>
                <CpfStatus id={`${id}-cpf-status`} env={env} cpf={typedCpf} />
              </>
            )}
          </Field>

          <ConsentField control={form.control} message={consentMessage} busy={busy} onChange={edited} />
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
              // After a registration the last customer may still be in view: the camera waits for the next one's CPF.
              autoCapture={registered === null || typedCpf !== undefined}
              onPicture={choosePicture}
              onDiscard={edited}
              onCheck={(check) => {
                // A refusal that comes in while a confirmation waits was not in it: asked again, with the reason.
                if (phase.step === 'confirm' && check.state === 'done' && check.status !== 'ok' && phase.override !== check.status) {
                  dispatch({ type: 'back' });
                }
              }}
            />
          )}

          {phase.step === 'confirm' && (
            <ConfirmPanel
              pending={phase}
              production={production}
              origin={origin}
              heading={outcome}
              onConfirm={() => send(phase)}
              onCancel={cancelConfirm}
            />
          )}
          {phase.step === 'failed' && (
            <FailurePanel
              error={phase.error}
              withKey={failedWithKey}
              refused={pictureRefused(phase.error)}
              retake={
                failedWithKey || pictureField.state.picture === null
                  ? undefined
                  : t(origin === 'camera' ? 'register.webcam.retake' : 'register.failure.chooseAnother')
              }
              heading={outcome}
              onReplace={() => {
                dispatch({ type: 'back' });
                pictureField.replace(source);
              }}
              onRetry={phase.request === null ? undefined : () => void submit()}
            />
          )}
          {phase.step === 'notCreated' && (
            <NotCreatedPanel cpf={phase.request.document_number} error={phase.error} heading={outcome} onResend={() => send(phase)} />
          )}
          {phase.step === 'unverified' && (
            <UnverifiedPanel
              cpf={phase.request.document_number}
              lookupError={phase.lookupError}
              heading={outcome}
              onCheck={() => void verify(phase, phase.error)}
            />
          )}

          {/* While the confirmation is open, its own buttons replace this one. */}
          <div className="actions" hidden={phase.step === 'confirm'}>
            <button
              type="submit"
              ref={submitButton}
              className={production ? 'button primary danger' : 'button primary'}
              disabled={busy}
              aria-describedby={busy ? `${id}-progress` : undefined}
            >
              {submitLabel}
            </button>
            {step !== undefined && (
              <span id={`${id}-progress`} className="progress" role="progressbar" aria-label={t(`register.${step}`)} />
            )}
          </div>
        </div>
      </form>
    </section>
  );
}
