import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CONSENT_HEADER } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { hashPassword } from '../access/passwords.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { openAccessStore } from '../access/open-store.ts';
import { accessDatabaseFile } from '../access/store.ts';
import type { AccessStore } from '../access/store.ts';
import { inject, onTestFinished } from 'vitest';
import { emulatorApiKey } from '../app.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { connectPostgres } from '../lib/postgres.ts';
import type { Sql } from '../lib/postgres.ts';

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

const TEST_POSTGRES_URL = inject('testPostgresUrl');

let admin: Sql | undefined;
/** The test database's connection that makes and drops the tests' schemas. */
function adminSql(url: string): Sql {
  admin ??= connectPostgres(url, { max: 2 });
  return admin;
}

/** A URL of the test database whose connections work in `schema` (postgres.js sends unknown query parameters as settings). */
function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('search_path', schema);
  return parsed.toString();
}

/**
 * On PostgreSQL, a DATABASE_URL of its own for this test: a fresh schema of the test database,
 * dropped when the test ends (so tests running side by side never see each other's data). On
 * SQLite, undefined: the test's DATA_DIR holds its data.
 */
export async function testDatabaseUrl(): Promise<string | undefined> {
  if (TEST_POSTGRES_URL === undefined) return undefined;
  const sql = adminSql(TEST_POSTGRES_URL);
  const schema = `t_${randomUUID().replaceAll('-', '')}`;
  await sql`CREATE SCHEMA ${sql(schema)}`;
  onTestFinished(async () => {
    await sql`DROP SCHEMA ${sql(schema)} CASCADE`;
  });
  return withSchema(TEST_POSTGRES_URL, schema);
}

/** The emulator's database for a test: a SQLite file in a fresh folder, or on PostgreSQL a fresh schema's URL. */
export async function testEmulatorDatabase(): Promise<string> {
  return (await testDatabaseUrl()) ?? join(tempDir(), 'emulator.sqlite');
}

/** Where a test's console keeps its data: a fresh DATA_DIR and, on PostgreSQL, a fresh database schema. */
export interface DataLocation {
  dataDir: string;
  databaseUrl: string | undefined;
}

export async function testDataLocation(dataDir = tempDir()): Promise<DataLocation> {
  return { dataDir, databaseUrl: await testDatabaseUrl() };
}

/** The environment a child process (the server, `npm run user`) needs to use this data. */
export function dataEnv(location: DataLocation): Record<string, string> {
  return { DATA_DIR: location.dataDir, ...(location.databaseUrl === undefined ? {} : { DATABASE_URL: location.databaseUrl }) };
}

/** The access store of this data, closed when the test ends (closing twice is harmless). */
export async function openTestAccessStore(location?: DataLocation): Promise<AccessStore> {
  const store = await openAccessStore(location ?? (await testDataLocation()));
  onTestFinished(() => store.close());
  return store;
}

/** The emulator's tables: QI Tech's stand-in, which keeps CPFs and pictures as QI Tech does. */
const EMULATOR_TABLES = new Set(['images', 'registrations', 'registration_duplicates']);

/**
 * Everything the console's own database holds, as text (SQLite: console.sqlite's bytes, its
 * write-ahead log included; PostgreSQL: every row of every table of the schema but the
 * emulator's), so a test can say what is nowhere in it.
 */
export async function databaseText(location: DataLocation): Promise<string> {
  if (location.databaseUrl === undefined) {
    // The main file and its write-ahead log, where the newest pages are until a checkpoint.
    const file = accessDatabaseFile(location.dataDir);
    return [file, `${file}-wal`]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('\n');
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  try {
    const tables = await sql<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    const texts: string[] = [];
    for (const { table_name } of tables.filter((table) => !EMULATOR_TABLES.has(table.table_name))) {
      const rows = await sql<{ row: string }[]>`SELECT t::text AS row FROM ${sql(table_name)} t`;
      texts.push(...rows.map((r) => r.row));
    }
    return texts.join('\n');
  } finally {
    await sql.end();
  }
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
  for (const account of accounts) await store.createAccount(account, hash);
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
 * The whole console on its own data (its own SQLite files; in the `server-pg` project, its own
 * PostgreSQL schema, unless `overrides.databaseUrl` names one: two consoles on one database are two
 * instances of one console), closed when the test ends. Unless told otherwise, an admin is logged
 * in and `app.inject` sends its session cookie and the consent header, so tests of other matters
 * read as before; the access tests make their own sessions.
 */
export async function buildTestApp(
  overrides: Partial<Config> = {},
  logStream?: { write(line: string): void },
  distDir?: string,
  { loginAs = 'test-admin', accounts = [] }: TestAppOptions = {},
): Promise<FastifyInstance> {
  const databaseUrl = 'databaseUrl' in overrides ? overrides.databaseUrl : await testDatabaseUrl();
  const config: Config = { ...loadConfig({}), dataDir: tempDir(), ...overrides, databaseUrl };
  const access = await openAccessStore(config);
  // Read now: the app closes its store when the test ends.
  const emulatorKey = config.localEmulator ? await emulatorApiKey(config, access) : undefined;
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
  if (emulatorKey !== undefined) {
    // The emulator always demands its key (EMULATOR_API_KEY, else the one kept in DATA_DIR or the
    // database): calls to it carry the key, as QA's do, unless a test sends an Authorization header
    // of its own ('' for none).
    const key = emulatorKey;
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
