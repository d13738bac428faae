import type { AccessStore } from './store.ts';
import { Problem } from '../lib/problem.ts';

/**
 * Failed logins, counted within a window of 15 minutes:
 * - per address, at most 20: then that address's logins are refused until its oldest failure is
 *   15 minutes old (one place guessing many names);
 * - per account, 5 are free; after them each further attempt for the account waits after the
 *   account's last failure, 1 s, then 2, 4, 8… up to 60 s. Slowed, never locked: someone guessing
 *   from elsewhere cannot keep the account's owner out, who logs in with the right password once
 *   the wait is over.
 * An attempt counts as a failure from before its password is checked (scrypt, ~0.1 s) until it is
 * found right, so parallel guesses cannot all be checked at once.
 */
export interface LoginThrottleSettings {
  windowMs: number;
  maxPerAddress: number;
  /** Failures of an account that cost no wait. */
  freePerAccount: number;
  /** The wait after the first failure beyond the free ones; it doubles with each further failure. */
  firstDelayMs: number;
  maxDelayMs: number;
}

const LOGIN_THROTTLE: LoginThrottleSettings = {
  windowMs: 15 * 60_000,
  maxPerAddress: 20,
  freePerAccount: 5,
  firstDelayMs: 1_000,
  maxDelayMs: 60_000,
};
export const LOGIN_WINDOW_MS = LOGIN_THROTTLE.windowMs;
export const LOGIN_MAX_PER_ACCOUNT = LOGIN_THROTTLE.freePerAccount;
export const LOGIN_MAX_PER_ADDRESS = LOGIN_THROTTLE.maxPerAddress;

/** How long an account with this many recent failures waits after the last one before another attempt. */
function accountDelayMs(failures: number, settings: LoginThrottleSettings = LOGIN_THROTTLE): number {
  if (failures < settings.freePerAccount) return 0;
  const doublings = Math.min(failures - settings.freePerAccount, 30);
  return Math.min(settings.maxDelayMs, settings.firstDelayMs * 2 ** doublings);
}

function tooManyAttempts(forAccount: boolean, waitMs: number): Problem {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const wait = seconds < 120 ? `${String(seconds)} second(s)` : `${String(Math.ceil(seconds / 60))} minute(s)`;
  return new Problem(
    429,
    'too_many_attempts',
    forAccount
      ? `Too many failed logins for this account: each further attempt must wait a little longer. Try again in ${wait}; if you forgot the password, ask an administrator to reset it.`
      : `Too many failed logins from this address. Try again in ${wait}, or ask an administrator to reset the password.`,
    { headers: { 'retry-after': String(seconds) }, extra: { retry_after_seconds: seconds } },
  );
}

interface LoginThrottle {
  /**
   * Lets a login attempt through, counted as a failure until `succeeded`, or refuses it (429 with
   * Retry-After) without its password being checked.
   */
  begin(name: string, address: string): Promise<Problem | undefined>;
  /** The password was right: the account's failures are forgotten, this attempt's included. */
  succeeded(name: string): Promise<void>;
}

export function loginThrottle(store: AccessStore, overrides: Partial<LoginThrottleSettings> = {}): LoginThrottle {
  const settings = { ...LOGIN_THROTTLE, ...overrides };
  return {
    begin(name, address) {
      const now = Date.now();
      const since = now - settings.windowMs;
      // The store counts the failures and records this attempt in one transaction (one attempt at
      // a time, across instances with DATABASE_URL); the decision itself reads only the counts.
      return store.beginLoginAttempt(name, address, now, since, ({ byAddress, byAccount }) => {
        if (byAddress.count >= settings.maxPerAddress && byAddress.oldest !== null) {
          return tooManyAttempts(false, byAddress.oldest + settings.windowMs - now);
        }
        const delay = accountDelayMs(byAccount.count, settings);
        if (delay > 0 && byAccount.newest !== null && now < byAccount.newest + delay) {
          return tooManyAttempts(true, byAccount.newest + delay - now);
        }
        return undefined;
      });
    },
    succeeded(name) {
      return store.clearLoginFailures(name);
    },
  };
}
