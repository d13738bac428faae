import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CONSENT_HEADER } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { hashPassword } from '../access/passwords.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { openAccessStore } from '../access/store.ts';
import type { AccessStore } from '../access/store.ts';
import { onTestFinished } from 'vitest';
import { emulatorApiKey } from '../app.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import type { Config } from '../config.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'images');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function fixtureBase64(name: string): string {
  return fixture(name).toString('base64');
}

/** Valid CPFs for tests (check digits right, synthetic). */
export const CPF_A = '529.982.247-25';
export const CPF_B = '111.444.777-35';

export function tempDir(prefix = 'frc-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The password of every account the tests make. */
export const TEST_PASSWORD = 'correct horse battery staple';
let testHash: Promise<string> | undefined;
/** One scrypt hash per test process: hashing for each app would cost ~0.1 s a test. */
function testPasswordHash(): Promise<string> {
  testHash ??= hashPassword(TEST_PASSWORD);
  return testHash;
}

/** Makes accounts in a data folder's access store, as `npm run user -- add` does. */
export async function seedAccounts(store: AccessStore, accounts: Account[]): Promise<void> {
  const hash = await testPasswordHash();
  for (const account of accounts) store.createAccount(account, hash);
}

/** Logs in through the API; the session cookie to send with later requests. */
export async function logIn(app: FastifyInstance, name: string, password = TEST_PASSWORD): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/session', payload: { name, password } });
  if (response.statusCode !== 200) throw new Error(`login of ${name} failed: ${String(response.statusCode)} ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (cookie === undefined) throw new Error('no session cookie');
  return `${SESSION_COOKIE}=${cookie.value}`;
}

export interface TestAppOptions {
  /** Log in as this admin and send its cookie (and the consent header) with every inject; false: anonymous. */
  loginAs?: string | false;
  /** More accounts to make before the app starts. */
  accounts?: Account[];
}

/**
 * The whole console on its own SQLite files, closed when the test ends. Unless told otherwise, an
 * admin is logged in and `app.inject` sends its session cookie and the consent header, so tests of
 * other matters read as before; the access tests make their own sessions.
 */
export async function buildTestApp(
  overrides: Partial<Config> = {},
  logStream?: { write(line: string): void },
  distDir?: string,
  { loginAs = 'test-admin', accounts = [] }: TestAppOptions = {},
): Promise<FastifyInstance> {
  const config: Config = { ...loadConfig({}), dataDir: tempDir(), ...overrides };
  const access = openAccessStore(config.dataDir);
  await seedAccounts(access, [...(loginAs === false ? [] : [{ name: loginAs, role: 'admin' as const, environments: null }]), ...accounts]);
  const app = await buildServer({
    config,
    access,
    logger: logStream !== undefined,
    ...(logStream === undefined ? {} : { logStream }),
    ...(distDir === undefined ? {} : { distDir }),
  });
  onTestFinished(async () => {
    await app.close();
  });
  await app.ready();
  if (loginAs !== false) {
    const cookie = await logIn(app, loginAs);
    const inject = app.inject.bind(app);
    app.inject = ((options: InjectOptions) =>
      inject({ ...options, headers: { cookie, [CONSENT_HEADER]: CONSENT_TERM.version, ...options.headers } })) as typeof app.inject;
  }
  if (config.localEmulator) {
    // The emulator always demands its key (EMULATOR_API_KEY, else DATA_DIR/emulator.key): calls to
    // it carry the key, as QA's do, unless a test sends an Authorization header of its own ('' for none).
    const key = emulatorApiKey(config);
    const inject = app.inject.bind(app);
    app.inject = ((options: InjectOptions) =>
      inject(
        typeof options.url === 'string' && options.url.startsWith('/emulator/')
          ? { ...options, headers: { authorization: key, ...options.headers } }
          : options,
      )) as typeof app.inject;
  }
  return app;
}

export function json(response: LightMyRequestResponse): Record<string, unknown> {
  return response.json<Record<string, unknown>>();
}

/** Asserts the error shape every refusal shares; returns the body for further checks. */
export function refusal(response: LightMyRequestResponse, status: number, title: string): Record<string, unknown> {
  const body = json(response);
  const summary = `${String(response.statusCode)} ${JSON.stringify(body).slice(0, 300)}`;
  if (response.statusCode !== status || body.title !== title || typeof body.description !== 'string' || body.description.length < 20) {
    throw new Error(`expected ${String(status)} ${title} with a description, got ${summary}`);
  }
  return body;
}
