// The accounts of the end-to-end run, seeded by global-setup.ts with `npm run user` into the
// console's data folder, as an administrator would; tests log in through the API with them (the
// `role` option of support/browsers.ts), never by clicking through the login page.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../contract/access.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The console's DATA_DIR for this run: made once by the runner and inherited by its workers
 * through the environment, so the config, global set-up and tests all name the same folder.
 */
export const consoleDataDir = (process.env.E2E_CONSOLE_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'frc-e2e-console-')));

export const E2E_PASSWORD = 'e2e-password-for-tests';

/** One account per role, named after it. */
export const e2eAccount = (role: Role) => `e2e-${role}`;

const E2E_ROLES: readonly Role[] = ['admin', 'registrar', 'support', 'qa'];

/** Seeds the accounts with `npm run user -- add` (its script, without npm's banner). */
export function seedAccounts(): void {
  for (const role of E2E_ROLES) {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'server', 'cli', 'user.ts'), 'add', e2eAccount(role), '--role', role, '--password-stdin'],
      {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: consoleDataDir, LOG_LEVEL: 'warn' },
        input: `${E2E_PASSWORD}\n`,
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
  }
}
