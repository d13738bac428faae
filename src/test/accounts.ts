import type { Role } from '../../contract/access.ts';

/** The accounts the browser tests log in with: one per role, plus two for refusals. */
export type TestAccountName = Role | 'disabled' | 'lockable' | 'desk' | 'counter';
export type TestAccounts = Record<TestAccountName, { name: string; password: string }>;

/**
 * The role of each (qa limited by its role to local and sandbox); `disabled` is disabled, and
 * `lockable` is the one the login-attempt limit may lock without locking anyone else out; `desk`
 * and `counter` choose environments in the selector, which their accounts remember.
 */
export const TEST_ACCOUNT_ROLES: Record<TestAccountName, Role> = {
  admin: 'admin',
  registrar: 'registrar',
  support: 'support',
  qa: 'qa',
  disabled: 'registrar',
  lockable: 'registrar',
  // Registrars whose remembered environment the tests change (src/lib/environment.test.tsx, the
  // success panel's and look-up's tests), so where the others' pages open stays as it was.
  desk: 'registrar',
  counter: 'registrar',
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Names and passwords (new each run) of the test server's accounts; `inject('accounts')` in a test. */
    accounts: TestAccounts;
  }
}
