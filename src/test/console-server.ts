import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { Role } from '../../contract/access.ts';
import { hashPassword } from '../../server/access/passwords.ts';
import { openAccessStore } from '../../server/access/open-store.ts';
import { EMULATOR_PREFIX } from '../../server/app.ts';
import { buildServer } from '../../server/build.ts';
import { loadConfig } from '../../server/config.ts';
import { TEST_ACCOUNT_ROLES } from './accounts.ts';
import type { TestAccountName, TestAccounts } from './accounts.ts';

/** The port of the console server the SPA's tests talk to: Vitest's browser server sends /api there. */
export const TEST_CONSOLE_PORT = Number(process.env.TEST_CONSOLE_PORT ?? 8186);

/**
 * Vitest global set-up of the browser project: the real console server with its emulator, on a
 * fresh SQLite file, with an account per role. The SPA's API tests talk to it as the console does;
 * there is no fake API.
 *
 * Besides `local`, two environments are configured as real ones are (over HTTP, with a key), their
 * upstream being this same server's emulator: `production` with the emulator's key, so the pages'
 * production-only behaviour runs against real answers; `sandbox` with a key the emulator refuses,
 * so the console's answer about a refused key (upstream_key_refused, upstream_status 401) is real too.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-spa-test-'));
  const emulator = `http://127.0.0.1:${String(TEST_CONSOLE_PORT)}${EMULATOR_PREFIX}`;
  const config = loadConfig({
    EMULATOR_API_KEY: 'spa-test-emulator-key',
    QITECH_PRODUCTION_API_KEY: 'spa-test-emulator-key',
    QITECH_PRODUCTION_URL: emulator,
    QITECH_SANDBOX_API_KEY: 'a-key-the-emulator-refuses',
    QITECH_SANDBOX_URL: emulator,
    // Every test file logs in and calls the API as fast as it can: the per-account limit is not what they test.
    API_RATE_LIMIT: '100000',
  });

  const access = await openAccessStore(dataDir);
  const accounts = {} as TestAccounts;
  for (const [key, role] of Object.entries(TEST_ACCOUNT_ROLES) as [TestAccountName, Role][]) {
    const account = { name: `test-${key}`, password: `${key}-${randomBytes(12).toString('base64url')}` };
    await access.createAccount({ name: account.name, role, environments: null }, await hashPassword(account.password));
    accounts[key] = account;
  }
  await access.updateAccount(accounts.disabled.name, { disabled: true });
  project.provide('accounts', accounts);

  const app = await buildServer({ config: { ...config, dataDir }, access, logger: false, distDir: join(dataDir, 'no-dist') });
  // A fixture, not part of the console: ends an account's sessions on the server, as an
  // administrator's change to the account does, while the browser keeps its cookie — the session
  // a test then uses has expired. Called without the cookie (credentials: 'omit'), as an outside
  // party would (a request of the ended session could not bring it back anyway: sessions are only
  // ever created at login).
  app.post('/api/test/end-sessions', async (request, reply) => {
    const { name } = request.body as { name: string };
    await access.endSessionsOf(name);
    return reply.code(204).send();
  });
  await app.listen({ port: TEST_CONSOLE_PORT, host: '127.0.0.1' });
  return async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
