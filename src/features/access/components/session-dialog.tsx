import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useId, useRef } from 'react';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Account, SessionAccount, Sso } from '../../../../contract/access.ts';
import { isSessionLost, sessionQueries } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { LoginForm } from './login-form.tsx';

export type SessionLostReason = 'session_expired' | 'not_authenticated';

// An account of the identity provider logs in again there: that part, and its words, load only then.
const SsoResume = lazy(() => import('./sso-resume.tsx'));

/**
 * Asks for the password again over the page whose call found the session gone: the page stays
 * mounted underneath (a register form keeps its CPF and photo) and carries on once logged in.
 * Logging in as someone else goes through "Sair", which discards the page.
 */
export function SessionDialog({
  account,
  sso,
  reason,
  onResumed,
  onDismissed,
  onLogOut,
}: {
  account: SessionAccount;
  sso: Sso | null;
  reason: SessionLostReason;
  onResumed: () => void;
  /** Closed without logging in (the browser's Esc): the next refused call asks again. */
  onDismissed: () => void;
  onLogOut: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const resumed = useRef(false);

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const loggedIn = (next: Account) => {
    resumed.current = true;
    queryClient.setQueryData(sessionQueries.current().queryKey, { account: next, setup_required: false, sso });
    // Look-ups that failed for want of a session are asked again; a registration is not: a person sends it.
    void queryClient.refetchQueries({ type: 'active', predicate: (query) => isSessionLost(query.state.error) });
    dialog.current?.close();
    announce(t('sessionLost.resumed'));
    onResumed();
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-heading`}
      aria-describedby={`${id}-body ${id}-kept`}
      onCancel={(event) => {
        // Esc would leave a page whose every call is refused; the way out is "Sair".
        event.preventDefault();
      }}
      onClose={(event) => {
        // Also fired late for a close already undone (React's development double effect): only a dialog still closed counts.
        if (!resumed.current && !event.currentTarget.open) onDismissed();
      }}
    >
      <h2 id={`${id}-heading`}>{t(`sessionLost.${reason}.heading`)}</h2>
      <p id={`${id}-body`}>{t(`sessionLost.${reason}.body`)}</p>
      {account.source === 'oidc' && sso !== null ? (
        <div id={`${id}-kept`}>
          <Suspense fallback={null}>
            <SsoResume name={account.name} provider={sso.provider} onLoggedIn={loggedIn} />
          </Suspense>
        </div>
      ) : (
        <>
          <p id={`${id}-kept`}>{t('sessionLost.kept', { name: account.name })}</p>
          <LoginForm fixedName={account.name} submitLabel={t('sessionLost.submit')} onLoggedIn={loggedIn} />
        </>
      )}
      <p>
        <button type="button" className="button secondary" onClick={onLogOut}>
          {t('sessionLost.other')}
        </button>
      </p>
    </dialog>
  );
}
