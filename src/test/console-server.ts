import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../../server/build.ts';
import { loadConfig } from '../../server/config.ts';

/** The port of the console server the SPA's tests talk to: Vitest's browser server sends /api there. */
export const TEST_CONSOLE_PORT = Number(process.env.TEST_CONSOLE_PORT ?? 8186);

/**
 * Vitest global set-up of the browser project: the real console server with its emulator, on a
 * fresh SQLite file. The SPA's API tests talk to it as the console does; there is no fake API.
 */
export default async function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-spa-test-'));
  const app = await buildServer({ config: { ...loadConfig({}), dataDir }, logger: false, distDir: join(dataDir, 'no-dist') });
  await app.listen({ port: TEST_CONSOLE_PORT, host: '127.0.0.1' });
  return async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
