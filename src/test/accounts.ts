import type { Role } from '../../contract/access.ts';

/** The accounts the browser tests log in with: one per role, plus two for refusals. */
export type TestAccountName = Role | 'disabled' | 'lockable';
export type TestAccounts = Record<TestAccountName, { name: string; password: string }>;

/**
 * The role of each (qa limited by its role to local and sandbox); `disabled` is disabled, and
 * `lockable` is the one the login-attempt limit may lock without locking anyone else out.
 */
export const TEST_ACCOUNT_ROLES: Record<TestAccountName, Role> = {
  admin: 'admin',
  registrar: 'registrar',
  support: 'support',
  qa: 'qa',
  disabled: 'registrar',
  lockable: 'registrar',
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Names and passwords (new each run) of the test server's accounts; `inject('accounts')` in a test. */
    accounts: TestAccounts;
  }
}
