import { useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useSearch } from 'wouter';
// This page's words in pt-BR come with it, not with the first page (staff open the console logged in).
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Account, Sso } from '../../../../contract/access.ts';
import { SSO_ERRORS } from '../../../../contract/access-admin.ts';
import type { SsoError } from '../../../../contract/access-admin.ts';
import { sessionQueries } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { LoginForm } from './login-form.tsx';

const isSsoError = (code: string): code is SsoError => (SSO_ERRORS as readonly string[]).includes(code);

/** A sentence that begins with the provider's name begins with a capital even when the name is "o provedor…". */
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The server's way in through the identity provider: a navigation, not a call; back at `next` once logged in. */
export function ssoLoginHref(next: string): string {
  return `/api/auth/oidc/login?next=${encodeURIComponent(next)}`;
}

/**
 * `/login`: nobody is logged in on this browser. With single sign-on, "Entrar com <provider>"
 * first, then the password form for local accounts; a login the provider's side refused comes
 * back here with `sso_error`, said in a sentence. Once someone is logged in, the app takes them
 * back to where they were (the `next` of the address), with nothing of anyone before them in memory.
 */
export default function LoginPage({ sso }: { sso: Sso | null }) {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const params = new URLSearchParams(useSearch());
  const ssoError = params.get('sso_error');
  const provider = sso?.provider ?? t('loginPage.theProvider');

  const loggedIn = (account: Account) => {
    // Whatever was cached before belongs to no one now: the new account starts from nothing.
    const session = sessionQueries.current();
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== session.queryKey[0] });
    queryClient.setQueryData(session.queryKey, { account, setup_required: false, sso });
    announce(t('loginPage.welcome', { name: account.name }));
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="narrow">
      <h1 id={`${id}-heading`}>{t('loginPage.heading')}</h1>
      {ssoError !== null && (
        <div className="alert error" role="alert">
          <p className="alert-heading">{t('loginPage.ssoFailed', { provider })}</p>
          <p>{sentence(t(`loginPage.ssoErrors.${isSsoError(ssoError) ? ssoError : 'unknown'}`, { provider }))}</p>
        </div>
      )}
      {sso === null ? (
        <p className="intro">{t('loginPage.intro')}</p>
      ) : (
        <>
          <p className="intro">{t('loginPage.introSso', { provider })}</p>
          <p>
            <a className="button primary" href={ssoLoginHref(params.get('next') ?? '/')}>
              {t('loginPage.sso', { provider })}
            </a>
          </p>
          <h2>{t('loginPage.password')}</h2>
          {sso.local_login === 'break_glass' && <p className="hint">{t('loginPage.breakGlassOnly', { provider })}</p>}
        </>
      )}
      <LoginForm submitLabel={t('loginPage.submit')} onLoggedIn={loggedIn} />
      <p className="hint">{t('loginPage.noAccount')}</p>
    </section>
  );
}
