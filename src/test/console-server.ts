import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_PREFIX } from '../../server/app.ts';
import { buildServer } from '../../server/build.ts';
import { loadConfig } from '../../server/config.ts';

/** The port of the console server the SPA's tests talk to: Vitest's browser server sends /api there. */
export const TEST_CONSOLE_PORT = Number(process.env.TEST_CONSOLE_PORT ?? 8186);

/**
 * Vitest global set-up of the browser project: the real console server with its emulator, on a
 * fresh SQLite file. The SPA's API tests talk to it as the console does; there is no fake API.
 *
 * Besides `local`, two environments are configured as real ones are (over HTTP, with a key), their
 * upstream being this same server's emulator: `production` with the emulator's key, so the pages'
 * production-only behaviour runs against real answers; `sandbox` with a key the emulator refuses,
 * so the console's answer about a refused key (upstream_key_refused, upstream_status 401) is real too.
 */
export default async function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-spa-test-'));
  const emulator = `http://127.0.0.1:${String(TEST_CONSOLE_PORT)}${EMULATOR_PREFIX}`;
  const config = loadConfig({
    EMULATOR_API_KEY: 'spa-test-emulator-key',
    QITECH_PRODUCTION_API_KEY: 'spa-test-emulator-key',
    QITECH_PRODUCTION_URL: emulator,
    QITECH_SANDBOX_API_KEY: 'a-key-the-emulator-refuses',
    QITECH_SANDBOX_URL: emulator,
  });
  const app = await buildServer({ config: { ...config, dataDir }, logger: false, distDir: join(dataDir, 'no-dist') });
  await app.listen({ port: TEST_CONSOLE_PORT, host: '127.0.0.1' });
  return async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
