import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
// These words in pt-BR come with this part, loaded only when a provider's session ends over a page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Account } from '../../../../contract/access.ts';
import { sessionAnswerSchema } from '../../../../contract/access.ts';
import { apiRequest } from '../../../api/client.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { ssoLoginHref } from './login-page.tsx';

/**
 * The session dialog's way back for an account of the identity provider, which has no password
 * here: the provider's login in a new tab (this page, and what it holds, stays as it is), then
 * "continue" once the console sees the same account logged in again.
 */
export default function SsoResume({
  name,
  provider,
  onLoggedIn,
}: {
  name: string;
  provider: string;
  onLoggedIn: (account: Account) => void;
}) {
  const { t } = useTranslation();
  const [notYet, setNotYet] = useState(false);
  // Asked directly, not through the session query: an answer of "nobody yet" must not replace this page with the login page.
  const check = useMutation({
    mutationKey: ['session', 'resume'],
    mutationFn: () => apiRequest('/session', sessionAnswerSchema),
  });
  const resume = () => {
    setNotYet(false);
    check.mutate(undefined, {
      onSuccess: ({ account }) => {
        if (account?.name === name) onLoggedIn(account);
        else setNotYet(true);
      },
    });
  };
  return (
    <>
      <p>{t('ssoResume.kept', { name, provider })}</p>
      <p>
        <a className="button primary" href={ssoLoginHref('/')} target="_blank" rel="noopener">
          {t('ssoResume.open', { provider })}
        </a>
      </p>
      <p>
        <button type="button" className="button" disabled={check.isPending} onClick={resume}>
          {t('ssoResume.resume')}
        </button>
      </p>
      {notYet && (
        <p className="alert warning" role="alert">
          {t('ssoResume.notYet', { name })}
        </p>
      )}
      {check.isError && <ApiErrorMessage error={check.error} />}
    </>
  );
}
