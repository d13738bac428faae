import { useId } from 'react';
import type { Ref } from 'react';
import { Link } from 'wouter';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { FACE_STATUSES } from '../../../../contract/face-quality.ts';
import type { ValidationAnswer } from '../../../../contract/validation.ts';
import { ApiError } from '../../../api/client.ts';
import { useErrorText } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { pathFor } from '../../../lib/environment.tsx';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Translate } from '../../../lib/i18n/i18n.ts';
import { refusalReasonKey } from '../../registration/lib/picture-check.ts';
import type { PictureOrigin } from '../../registration/lib/picture-check.ts';
import { pictureRefused } from '../../registration/lib/send-protocol.ts';
import { similarityPercent } from '../api/validation.ts';

/** A validation answered: what it said, and about what (`env`: where; the selector may have moved since). */
export interface Validated {
  answer: ValidationAnswer;
  env: EnvironmentName;
}

/** A validation refused or failed, with what was sent: the CPF it named and where its picture came from. */
export interface ValidationFailure {
  error: unknown;
  cpf: string;
  origin: PictureOrigin | 'key';
}

/** The kinds of verdict the console has words for: QI Tech's "pass" and the emulator's "fail"; anything else is "other". */
function resultKind(answer: ValidationAnswer): 'pass' | 'fail' | 'other' {
  return answer.validation_result === 'pass' || answer.validation_result === 'fail' ? answer.validation_result : 'other';
}

/** The verdict in words, big: "Mesma pessoa — 97%"; a result the console does not know, as QI Tech sent it. */
export function verdictText(t: Translate, answer: ValidationAnswer): string {
  return t(`validate.result.${resultKind(answer)}`, { result: answer.validation_result, ratio: String(similarityPercent(answer)) });
}

/** What the verdict means for this CPF, in a sentence. */
export function verdictBody(t: Translate, answer: ValidationAnswer): string {
  return t(`validate.result.${resultKind(answer)}Body`, { cpf: answer.document_number });
}

/** A date from QI Tech's answer in the reader's language; its format is not documented, so one not understood is shown as sent. */
function answerDate(value: string, language: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatDateTime(date, language);
}

export function ValidationResult({ validated, heading }: { validated: Validated; heading: Ref<HTMLHeadingElement> }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const { answer, env } = validated;
  const { registration } = answer;
  const result = resultKind(answer);
  return (
    <section className={`result validation-result ${result}`} data-testid="validation-result" aria-labelledby={`${id}-verdict`}>
      <h2 id={`${id}-verdict`} className="verdict" ref={heading} tabIndex={-1}>
        <span aria-hidden="true">{result === 'pass' ? '✓ ' : result === 'fail' ? '✗ ' : '? '}</span>
        {verdictText(t, answer)}
      </h2>
      <p>{verdictBody(t, answer)}</p>
      <dl className="validation-facts">
        <dt>{t('validate.result.registration')}</dt>
        <dd className="key-line">
          <code data-testid="compared-key">{registration.registration_key}</code>{' '}
          <CopyButton value={registration.registration_key} what={t('validate.result.registration')} />{' '}
          <Link href={pathFor(`/lookup/key/${registration.registration_key}`, env)}>{t('validate.result.byKey')}</Link>
        </dd>
        <dt>{t('validate.result.registrationDate')}</dt>
        <dd data-testid="registration-date">{answerDate(registration.registration_date, i18n.language)}</dd>
        <dt>{t('validate.result.registrationStatus')}</dt>
        <dd>{registration.registration_status}</dd>
        <dt>{t('validate.result.cpf')}</dt>
        <dd>{answer.document_number}</dd>
        {answer.validation_date !== undefined && (
          <>
            <dt>{t('validate.result.validationDate')}</dt>
            <dd>{answerDate(answer.validation_date, i18n.language)}</dd>
          </>
        )}
        <dt>{t('validate.result.validationKey')}</dt>
        <dd>
          <code>{answer.validation_key}</code>
        </dd>
        <dt>{t('validate.result.environment')}</dt>
        <dd>{t(`environments.${env}.name`)}</dd>
      </dl>
    </section>
  );
}

/** Refusals that no sending of the same request can change: it is the CPF's registration, or the environment, that must change. */
const FINAL_TITLES: readonly string[] = ['registration_not_found', 'registration_not_comparable', 'validation_not_enabled'];

/** The titles a validation has words of its own for, about the CPF's registration or the environment. */
const OWN_TITLES = [
  'registration_not_found',
  'registration_not_comparable',
  'image_not_comparable',
  'validation_not_enabled',
  'busy',
] as const;

/** The sentence for a failed validation: the ones a validation has of its own, else the console's usual words. */
export function useValidationErrorText(): (failure: ValidationFailure) => string {
  const { t } = useTranslation();
  const errorText = useErrorText();
  return ({ error, cpf, origin }) => {
    if (error instanceof ApiError) {
      const own = OWN_TITLES.find((title) => title === error.title);
      if (own !== undefined) return t(`validate.errors.${own}`, { cpf });
      // The reason named in the preview's own words, when the API says which rule the picture broke.
      const status = FACE_STATUSES.find((known) => known === error.imageStatus);
      if (error.title === 'image_quality' && status !== undefined) {
        return t('validate.errors.image_quality', { reason: t(refusalReasonKey(status, origin === 'camera' ? 'camera' : 'photo')) });
      }
    }
    return errorText(error);
  };
}

/** The API refused the picture (or key) itself: the same would be refused again, another one is needed. */
function validationPictureRefused(error: unknown): boolean {
  return pictureRefused(error) || (error instanceof ApiError && error.title === 'image_not_comparable');
}

/** Whether "Tentar novamente" may change anything: not after a refusal of what was sent (4xx), save a rate limit. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (FINAL_TITLES.includes(error.title)) return false;
  return !error.isClientError || error.status === 429;
}

/** The validation did not come to a verdict: why, what was kept, and the way on that makes sense for the reason. */
export function ValidationFailurePanel({
  failure,
  retake,
  heading,
  onReplace,
  onRetry,
}: {
  failure: ValidationFailure;
  /** The words for another picture: retake (camera) or choose another (photo); undefined: none to offer. */
  retake: string | undefined;
  heading: Ref<HTMLHeadingElement>;
  onReplace: () => void;
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  const text = useValidationErrorText();
  const withKey = failure.origin === 'key';
  const refused = validationPictureRefused(failure.error);
  return (
    <div className="failure" data-testid="validation-failure">
      <h2 ref={heading} tabIndex={-1}>
        {t('validate.failure.heading')}
      </h2>
      <div className="alert error" role="alert">
        <p>{text(failure)}</p>
      </div>
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
      {refused
        ? retake !== undefined && (
            <button type="button" className="button secondary" onClick={onReplace}>
              {retake}
            </button>
          )
        : retryable(failure.error) && (
            <button type="button" className="button secondary" onClick={onRetry}>
              {t('app.retry')}
            </button>
          )}
    </div>
  );
}
