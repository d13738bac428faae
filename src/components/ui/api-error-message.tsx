import { useTranslation } from '../../lib/i18n/i18n.ts';
import { ApiError } from '../../api/client.ts';

/** How long to wait before trying again: seconds under two minutes (a slowed login), else whole minutes. */
function waitText(seconds: number): string {
  return seconds < 120 ? `${String(Math.max(1, Math.ceil(seconds)))} s` : `${String(Math.ceil(seconds / 60))} min`;
}

/**
 * An error in the reader's language where the console knows its title, QI Tech's own
 * description otherwise (it is the only explanation there is). Messages about a failed upstream
 * may name its HTTP status (`{{status}}`); a refusal to try again yet, how long to wait (`{{wait}}`: `5 s`, `2 min`).
 */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return (error) => {
    if (error instanceof ApiError) {
      const key = `errors.${error.title}`;
      const values = {
        description: error.description,
        status: error.upstreamStatus === undefined ? '?' : String(error.upstreamStatus),
        // `too_many_attempts` says when to try again.
        wait: waitText(error.retryAfterSeconds ?? 60),
      };
      if (i18n.exists(key)) return t(key as 'errors.generic', values);
      return t('errors.generic', values);
    }
    return t('errors.network_error');
  };
}

export function ApiErrorMessage({ error, heading, id }: { error: unknown; heading?: string; id?: string }) {
  const text = useErrorText();
  return (
    <div className="alert error" role="alert" id={id}>
      {heading !== undefined && <p className="alert-heading">{heading}</p>}
      <p>{text(error)}</p>
    </div>
  );
}
