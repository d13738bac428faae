import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';

/**
 * An error in the reader's language where the console knows its title, QI Tech's own
 * description otherwise (it is the only explanation there is).
 */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return (error) => {
    if (error instanceof ApiError) {
      const key = `errors.${error.title}`;
      if (i18n.exists(key)) return t(key as 'errors.generic', { description: error.description });
      return t('errors.generic', { description: error.description });
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
