import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from '../lib/i18n/i18n.ts';
import { isSessionLost, logOut, sessionQueries } from '../api/session.ts';
import { useAnnounce } from '../components/ui/announcer.tsx';
import type { SessionLostReason } from '../features/access/components/session-dialog.tsx';

/**
 * Hears every call, from any page, refused because the session is gone (401 `session_expired` or
 * `not_authenticated`): the reason while a login dialog should be open, and how to close it.
 */
export function useSessionLost(): [SessionLostReason | null, () => void] {
  const queryClient = useQueryClient();
  const [lost, setLost] = useState<SessionLostReason | null>(null);
  useEffect(() => {
    const heard = (error: unknown) => {
      // The first refusal says why; the ones after it (the server has cleared the cookie by then) only repeat it.
      if (isSessionLost(error))
        setLost((current) => current ?? (error.title === 'session_expired' ? 'session_expired' : 'not_authenticated'));
    };
    const queries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') heard(event.action.error);
    });
    const mutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') heard(event.action.error);
    });
    return () => {
      queries();
      mutations();
    };
  }, [queryClient]);
  const dismiss = useCallback(() => setLost(null), []);
  return [lost, dismiss];
}

export interface LogOut {
  run: () => Promise<void>;
  pending: boolean;
  /** Why the last attempt failed (the session is then still open). */
  error: unknown;
  /** True once someone logged out here: the login page then opens without a way back to their page. */
  done: boolean;
}

/**
 * "Sair": the server ends the session, and nothing of it stays in this page's memory — every
 * query and mutation (CPFs, keys, pictures sent) is dropped before the login page shows.
 */
export function useLogOut(onLoggedOut: () => void): LogOut {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const mutation = useMutation(logOut());
  const [done, setDone] = useState(false);

  const run = async () => {
    let endSessionUrl: string | undefined;
    try {
      endSessionUrl = (await mutation.mutateAsync())?.end_session_url;
    } catch (error) {
      // A session already gone is as good as ended; any other failure leaves it open, and says so.
      if (!isSessionLost(error)) return;
    }
    const session = sessionQueries.current();
    await queryClient.cancelQueries();
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== session.queryKey[0] });
    queryClient.getMutationCache().clear();
    setDone(true);
    onLoggedOut();
    queryClient.setQueryData(session.queryKey, (before) => ({ account: null, setup_required: false, sso: before?.sso }));
    announce(t('app.account.loggedOut'));
    // A session of the identity provider ends there too: the browser goes to its logout page, which comes back to /login.
    if (endSessionUrl !== undefined) window.location.assign(endSessionUrl);
  };

  return { run, pending: mutation.isPending, error: mutation.error, done };
}
