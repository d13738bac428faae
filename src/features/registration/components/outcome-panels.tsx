import { Suspense, lazy, useId } from 'react';
import type { Ref } from 'react';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { Link } from 'wouter';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import type { DuplicateFace } from '../../../../contract/registration.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { carryCpf } from '../../../lib/carried-cpf.ts';
import { pathFor } from '../../../lib/environment.tsx';
import type { Pending, Registered } from '../lib/send-protocol.ts';
import { refusalReasonKey } from '../lib/picture-check.ts';
import type { PictureOrigin } from '../lib/picture-check.ts';

// Shown only when the emulator names the same face under other CPFs: not on the first page's path.
const DuplicateFaces = lazy(() => import('./duplicate-faces.tsx').then((module) => ({ default: module.DuplicateFaces })));

/**
 * What came of a send, each in its panel: the banner of the last registration above the fresh
 * form, the confirmation that stands in for the submit button, and the three ways a send can end
 * without one. Each panel's heading takes the focus it is given (`heading`).
 */

/**
 * The last registration, compact, above the next customer's form: key, copy, look-ups, environment;
 * and, when the same face is registered under other CPFs, the warning (it stays a success).
 */
export function SuccessBanner({
  registered,
  duplicates,
  onDismiss,
}: {
  registered: Registered;
  duplicates: readonly DuplicateFace[];
  onDismiss: () => void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-done`} className="result success banner-success" data-testid="registered">
      <div className="banner-head">
        <h2 id={`${id}-done`}>
          <span aria-hidden="true">✓ </span>
          {t('register.success.heading')}
        </h2>
        <button type="button" className="button secondary small" onClick={onDismiss}>
          {t('register.success.dismiss')}
        </button>
      </div>
      <p>
        {t('register.success.body', { cpf: registered.cpf, date: formatDateTime(registered.at, i18n.language) })}{' '}
        <span data-testid="registered-environment">
          {t('register.success.environmentLabel')}: <strong>{t(`environments.${registered.env}.name`)}</strong>
        </span>
      </p>
      {registered.late && <p>{t('register.success.late')}</p>}
      <div className="key-line">
        <span>
          <span className="label">{t('register.success.keyLabel')}:</span> <code data-testid="registration-key">{registered.key}</code>
        </span>
        <CopyButton value={registered.key} what={t('register.success.keyLabel')} />
        <Link href={pathFor(`/lookup/key/${registered.key}`, registered.env)}>{t('register.success.byKey')}</Link>
        <Link href={pathFor('/lookup/document', registered.env)} state={carryCpf(registered.cpf)}>
          {t('register.success.byDocument')}
        </Link>
      </div>
      {duplicates.length > 0 && (
        <Suspense fallback={null}>
          <DuplicateFaces faces={duplicates} env={registered.env} />
        </Suspense>
      )}
    </section>
  );
}

/**
 * One confirmation for all it asks (a CPF already registered, a picture the check refused, both in
 * production): an alert dialog in place of the submit button. Escape and Cancel go back to the form.
 */
export function ConfirmPanel({
  pending,
  production,
  origin,
  heading,
  onConfirm,
  onCancel,
}: {
  pending: Pending;
  production: boolean;
  origin: PictureOrigin;
  heading: Ref<HTMLHeadingElement>;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const { request, before, override } = pending;
  return (
    <div
      className={production ? 'alert warning production' : 'alert warning'}
      role="alertdialog"
      aria-labelledby={`${id}-confirm`}
      aria-describedby={[production && `${id}-production`, override !== null && `${id}-override`, before !== null && `${id}-body`]
        .filter(Boolean)
        .join(' ')}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onCancel();
        }
      }}
    >
      <h2 id={`${id}-confirm`} ref={heading} tabIndex={-1}>
        {confirmHeading(t, pending)}
      </h2>
      {production && <p id={`${id}-production`}>{t('register.confirm.production.body', { cpf: request.document_number })}</p>}
      {override !== null && (
        <p id={`${id}-override`} className="override">
          {overrideText(t, override, origin)}
        </p>
      )}
      {before !== null && <p id={`${id}-body`}>{t('register.confirm.body', { cpf: request.document_number, key: before })}</p>}
      <div className="actions">
        <button type="button" className={production || override !== null ? 'button danger' : 'button'} onClick={onConfirm}>
          {t(
            override !== null
              ? 'register.confirm.override.confirm'
              : production
                ? 'register.confirm.production.confirm'
                : 'register.confirm.confirm',
          )}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t('register.confirm.cancel')}
        </button>
      </div>
    </div>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

/** The confirmation's heading: what it asks first. */
export function confirmHeading(t: T, { before, override }: Pending): string {
  return t(
    before !== null
      ? 'register.confirm.heading'
      : override !== null
        ? 'register.confirm.override.heading'
        : 'register.confirm.production.heading',
  );
}

/** The same words for the reason as the preview's. */
export function overrideText(t: T, status: FaceStatus, origin: PictureOrigin): string {
  return t('register.confirm.override.body', { reason: t(refusalReasonKey(status, origin)) });
}

/** The send was refused or failed; what was kept, and the way on that makes sense for the reason. */
export function FailurePanel({
  error,
  withKey,
  refused,
  retake,
  heading,
  onReplace,
  onRetry,
}: {
  error: unknown;
  /** The request named its picture by an image key. */
  withKey: boolean;
  /** The API refused the picture (or key) itself: the same would be refused again. */
  refused: boolean;
  /** The words for another picture: retake (camera) or choose another (photo); undefined: none to offer. */
  retake: string | undefined;
  heading: Ref<HTMLHeadingElement>;
  onReplace: () => void;
  /** Undefined: nothing to send again. */
  onRetry: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  return (
    <div className="failure">
      <h2 ref={heading} tabIndex={-1}>
        {t('register.failure.heading')}
      </h2>
      <ApiErrorMessage error={error} />
      <p>
        {t(
          withKey
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
        ? retake !== undefined && (
            <button type="button" className="button secondary" onClick={onReplace}>
              {retake}
            </button>
          )
        : onRetry !== undefined && (
            <button type="button" className="button secondary" onClick={onRetry}>
              {t('app.retry')}
            </button>
          )}
    </div>
  );
}

/** No answer came, and the CPF's look-up shows nothing was created: sending again is safe. */
export function NotCreatedPanel({
  cpf,
  error,
  heading,
  onResend,
}: {
  cpf: string;
  error: unknown;
  heading: Ref<HTMLHeadingElement>;
  onResend: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="failure">
      <h2 ref={heading} tabIndex={-1}>
        {t('register.notCreated.heading')}
      </h2>
      <p>{t('register.notCreated.body', { cpf })}</p>
      <ApiErrorMessage error={error} />
      {/* Every confirmation (re-registration, a refused picture) was given for this very request. */}
      <button type="button" className="button secondary" onClick={onResend}>
        {t('register.notCreated.resend')}
      </button>
    </div>
  );
}

/** No answer came, and the look-up failed too: it may have been created; never a blind resend. */
export function UnverifiedPanel({
  cpf,
  lookupError,
  heading,
  onCheck,
}: {
  cpf: string;
  lookupError: unknown;
  heading: Ref<HTMLHeadingElement>;
  onCheck: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="failure">
      <h2 ref={heading} tabIndex={-1}>
        {t('register.unverified.heading')}
      </h2>
      <p>{t('register.unverified.body', { cpf })}</p>
      <ApiErrorMessage error={lookupError} heading={t('register.unverified.lookupFailed')} />
      <button type="button" className="button secondary" onClick={onCheck}>
        {t('register.unverified.check')}
      </button>
    </div>
  );
}
