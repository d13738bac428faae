import { inject } from 'vitest';
import * as z from 'zod/mini';
import { accountSchema, sessionAnswerSchema } from '../../contract/access.ts';
import { apiRequest } from '../api/client.ts';
import type { TestAccountName } from './accounts.ts';

/** A test account's name and password (src/test/console-server.ts makes them, new passwords each run). */
export function testAccount(which: TestAccountName): { name: string; password: string } {
  return inject('accounts')[which];
}

/** Logs this browser in (the session cookie is the browser's, as for the console itself). */
export async function logInAs(which: TestAccountName): Promise<void> {
  const { name, password } = testAccount(which);
  await apiRequest('/session', z.object({ account: accountSchema }), { method: 'POST', body: { name, password } });
}

/** Ends this browser's session, as "Sair" or another tab would. */
export async function logOutNow(): Promise<void> {
  await apiRequest('/session', z.undefined(), { method: 'DELETE' });
}

/** Logs in as this account unless it already is: tests before may have changed who is logged in. */
export async function ensureLoggedInAs(which: TestAccountName): Promise<void> {
  const { account } = await apiRequest('/session', sessionAnswerSchema);
  if (account?.name !== testAccount(which).name) await logInAs(which);
}

/**
 * Ends the account's sessions on the server while this browser keeps its cookie: the next call
 * answers 401 session_expired, as after an idle timeout (src/test/console-server.ts).
 */
export async function expireSessionsOf(which: TestAccountName): Promise<void> {
  const response = await fetch('/api/test/end-sessions', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: testAccount(which).name }),
  });
  if (response.status !== 204) throw new Error(`end-sessions: HTTP ${String(response.status)}`);
}
