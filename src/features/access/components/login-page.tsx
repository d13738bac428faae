import { useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Account } from '../../../../contract/access.ts';
import { sessionQueries } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { LoginForm } from './login-form.tsx';

/**
 * `/login`: nobody is logged in on this browser. Once someone is, the app takes them back to
 * where they were (the `next` of the address), with nothing of anyone before them in memory.
 */
export function LoginPage() {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();

  const loggedIn = (account: Account) => {
    // Whatever was cached before belongs to no one now: the new account starts from nothing.
    const session = sessionQueries.current();
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== session.queryKey[0] });
    queryClient.setQueryData(session.queryKey, { account, setup_required: false });
    announce(t('login.welcome', { name: account.name }));
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="narrow">
      <h1 id={`${id}-heading`}>{t('login.heading')}</h1>
      <p className="intro">{t('login.intro')}</p>
      <LoginForm submitLabel={t('login.submit')} onLoggedIn={loggedIn} />
      <p className="hint">{t('login.noAccount')}</p>
    </section>
  );
}
