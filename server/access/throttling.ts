import type { AccessStore } from './store.ts';
import { Problem } from '../lib/problem.ts';

/** Failed logins: at most 5 per account and 20 per address within 15 minutes. */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_PER_ACCOUNT = 5;
export const LOGIN_MAX_PER_ADDRESS = 20;

/**
 * The refusal of a login attempt while its account or its address has too many recent failures
 * (429 with Retry-After), or undefined.
 */
export function loginThrottle(store: AccessStore, name: string, address: string): Problem | undefined {
  const now = Date.now();
  const since = now - LOGIN_WINDOW_MS;
  for (const [column, value, max] of [
    ['account', name, LOGIN_MAX_PER_ACCOUNT],
    ['address', address, LOGIN_MAX_PER_ADDRESS],
  ] as const) {
    const failures = store.loginFailures(column, value, since);
    if (failures.count >= max && failures.oldest !== null) {
      const seconds = Math.max(1, Math.ceil((failures.oldest + LOGIN_WINDOW_MS - now) / 1000));
      return new Problem(
        429,
        'too_many_attempts',
        `Too many failed logins ${column === 'account' ? 'for this account' : 'from this address'}. Try again in ${String(Math.ceil(seconds / 60))} minute(s), or ask an administrator to reset the password.`,
        { headers: { 'retry-after': String(seconds) }, extra: { retry_after_seconds: seconds } },
      );
    }
  }
  return undefined;
}
