import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CONSENT_HEADER } from '../../../contract/access.ts';
import type { Account } from '../../../contract/access.ts';
import type { AuditEntry } from '../../../contract/access-admin.ts';
import { CONSENT_TERM } from '../../../contract/consent.ts';
import { openAccessStore } from '../../access/open-store.ts';
import { MIGRATIONS as CONSOLE_MIGRATIONS } from '../../access/postgres-store.ts';
import { openEmulatorStore } from '../../emulator/open-store.ts';
import { connectPostgres } from '../../lib/postgres.ts';
import { CPF_A, TEST_PASSWORD, buildTestApp, fixtureBase64, json, logIn, refusal, tempDir, testDatabaseUrl } from '../helper.ts';

/*
 * Several instances of one console on one PostgreSQL database (DATABASE_URL): two consoles built
 * on the same schema, each with its own DATA_DIR, as two machines behind a load balancer. What one
 * does, the other sees at once: sessions, account changes, throttling, the rate limit, the setup
 * token, the audit trail, the emulator's registrations. Run by the `server-pg` project only.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ACCOUNTS: Account[] = [
  { name: 'ana', role: 'admin', environments: null },
  { name: 'bia', role: 'registrar', environments: null },
];
const ENVIRONMENTS = { method: 'GET', url: '/api/environments' } as const;

/** Two instances of one console: the same database, a DATA_DIR each. */
async function twoInstances(overrides: { apiRateLimit?: number; accounts?: Account[] } = {}) {
  const databaseUrl = await testDatabaseUrl();
  const { accounts = ACCOUNTS, ...config } = overrides;
  const options = { loginAs: false, accounts } as const;
  const a = await buildTestApp({ databaseUrl, ...config }, undefined, undefined, options);
  const b = await buildTestApp({ databaseUrl, ...config }, undefined, undefined, options);
  return { a, b, databaseUrl: databaseUrl ?? '' };
}

function as(app: FastifyInstance, cookie: string) {
  return (options: InjectOptions) =>
    app.inject({ ...options, headers: { cookie, [CONSENT_HEADER]: CONSENT_TERM.version, ...options.headers } });
}

const login = (name: string, password: string) => ({ method: 'POST', url: '/api/session', payload: { name, password } }) as const;

describe('sessions are the database’s: one made on an instance is one on all', () => {
  it('a login on A is a session on B; a logout on A ends it on B at once', async () => {
    const { a, b } = await twoInstances();
    const cookie = await logIn(a, 'bia');
    expect((await as(b, cookie)(ENVIRONMENTS)).statusCode).toBe(200);
    expect(json(await as(b, cookie)({ method: 'GET', url: '/api/session' })).account).toMatchObject({ name: 'bia', role: 'registrar' });
    expect((await as(a, cookie)({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
    refusal(await as(b, cookie)(ENVIRONMENTS), 401, 'session_expired');
  });

  it('an account disabled on A, or given a new password on B, is logged out on both', async () => {
    const { a, b } = await twoInstances({ accounts: [...ACCOUNTS, { name: 'cris', role: 'support', environments: null }] });
    const admin = as(a, await logIn(a, 'ana'));
    const bia = await logIn(b, 'bia');
    const cris = await logIn(a, 'cris');
    expect((await admin({ method: 'PATCH', url: '/api/admin/accounts/bia', payload: { disabled: true } })).statusCode).toBe(200);
    refusal(await as(b, bia)(ENVIRONMENTS), 401, 'session_expired');
    refusal(await as(a, bia)(ENVIRONMENTS), 401, 'session_expired');
    refusal(await b.inject(login('bia', TEST_PASSWORD)), 403, 'account_disabled');

    const adminOnB = as(b, await logIn(b, 'ana'));
    const reset = await adminOnB({ method: 'PATCH', url: '/api/admin/accounts/cris', payload: { password: 'another-long-password' } });
    expect(reset.statusCode).toBe(200);
    refusal(await as(a, cris)(ENVIRONMENTS), 401, 'session_expired');
    refusal(await a.inject(login('cris', TEST_PASSWORD)), 401, 'invalid_credentials');
    expect((await a.inject(login('cris', 'another-long-password'))).statusCode).toBe(200);
  });
});

describe('limits count the requests of every instance', () => {
  it('login throttling: failures on A slow the account down on B', async () => {
    const { a, b } = await twoInstances();
    for (let i = 0; i < 5; i += 1) refusal(await (i % 2 === 0 ? a : b).inject(login('bia', 'wrong')), 401, 'invalid_credentials');
    // The sixth attempt, on either instance, waits after the fifth failure: even the right password.
    const refused = refusal(await b.inject(login('bia', TEST_PASSWORD)), 429, 'too_many_attempts');
    expect(refused.retry_after_seconds).toBe(1);
    refusal(await a.inject(login('bia', TEST_PASSWORD)), 429, 'too_many_attempts');
  });

  it('parallel guesses on both instances: no more passwords are checked than one instance would check', async () => {
    const { a, b } = await twoInstances();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).inject(login('bia', `wrong-${String(i)}`))),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('the per-account API rate limit: requests on A and B share one count', async () => {
    const { a, b } = await twoInstances({ apiRateLimit: 4 });
    const cookie = await logIn(a, 'bia');
    for (const app of [a, b, a, b]) expect((await as(app, cookie)(ENVIRONMENTS)).statusCode).toBe(200);
    // Each instance alone has seen 2 of its 4: counted apart, both would still answer.
    refusal(await as(b, cookie)(ENVIRONMENTS), 429, 'rate_limited');
    refusal(await as(a, cookie)(ENVIRONMENTS), 429, 'rate_limited');
    // Another account has a count of its own.
    expect((await as(b, await logIn(b, 'ana'))(ENVIRONMENTS)).statusCode).toBe(200);
  });
});

describe('the first admin’s setup', () => {
  it('each instance prints a token; either works on either instance, once', async () => {
    const { a, b } = await twoInstances({ accounts: [] });
    const [tokenA, tokenB] = [a.setupToken ?? '', b.setupToken ?? ''];
    expect(tokenA).not.toBe('');
    expect(tokenB).not.toBe('');
    expect(tokenA).not.toBe(tokenB);
    refusal(
      await b.inject({ method: 'POST', url: '/api/setup', payload: { token: 'x'.repeat(32), name: 'eva', password: 'a-long-password' } }),
      403,
      'invalid_setup_token',
    );
    const made = await b.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token: tokenA, name: 'ana', password: 'a-long-password' },
    });
    expect(made.statusCode).toBe(201);
    for (const [app, token] of [
      [a, tokenB],
      [b, tokenB],
      [a, tokenA],
    ] as const) {
      refusal(
        await app.inject({ method: 'POST', url: '/api/setup', payload: { token, name: 'eve', password: 'a-long-password' } }),
        404,
        'setup_not_available',
      );
    }
    expect((await a.inject(login('ana', 'a-long-password'))).statusCode).toBe(200);
  });

  it('concurrent setups on both instances, with both tokens, make one admin', async () => {
    const { a, b, databaseUrl } = await twoInstances({ accounts: [] });
    const tokens = [a.setupToken ?? '', b.setupToken ?? ''];
    const answers = await Promise.all(
      ['ana', 'bia', 'cris', 'dora'].map((name, i) =>
        (i % 2 === 0 ? a : b).inject({
          method: 'POST',
          url: '/api/setup',
          payload: { token: tokens[i % 2], name, password: 'a-long-password' },
        }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 404, 404, 404]);
    const store = await openAccessStore({ dataDir: tempDir(), databaseUrl });
    onTestFinished(() => store.close());
    expect(await store.listAccounts()).toHaveLength(1);
  });
});

describe('migrations', () => {
  it('two instances starting together apply each migration once', async () => {
    const databaseUrl = await testDatabaseUrl();
    const stores = await Promise.all([
      openAccessStore({ dataDir: tempDir(), databaseUrl }),
      openAccessStore({ dataDir: tempDir(), databaseUrl }),
      openEmulatorStore(databaseUrl ?? ''),
      openEmulatorStore(databaseUrl ?? ''),
    ]);
    onTestFinished(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    for (const store of stores) await store.ready();
    const sql = connectPostgres(databaseUrl ?? '', { max: 1 });
    onTestFinished(() => sql.end());
    const applied = await sql<{ store: string; version: number; times: number }[]>`
      SELECT store, version, count(*)::int AS times FROM schema_migrations GROUP BY store, version ORDER BY store, version`;
    expect(applied).toEqual([
      ...CONSOLE_MIGRATIONS.map((_, index) => ({ store: 'console', version: index + 1, times: 1 })),
      { store: 'emulator', version: 1, times: 1 },
    ]);
  });

  it('npm run migrate, twice at once in two processes, migrates a fresh database; the stores then open as they are', async () => {
    const databaseUrl = (await testDatabaseUrl()) ?? '';
    const migrate = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli/migrate.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: tempDir() },
      });
    const outputs = await Promise.all([migrate(), migrate()]);
    const said = outputs.map((output) => output.stdout).join('\n');
    // One process applied each store's migration, the other found it applied; the password-less URL is named.
    expect(said.match(/console: applied migration 1/g)).toHaveLength(1);
    expect(said.match(new RegExp(`console: up to date \\(migration ${String(CONSOLE_MIGRATIONS.length)}\\)`, 'g'))).toHaveLength(1);
    expect(said.match(/emulator: applied migration 1/g)).toHaveLength(1);
    const store = await openAccessStore({ dataDir: tempDir(), databaseUrl });
    onTestFinished(() => store.close());
    await store.ready();
  }, 30_000);
});

describe('one audit trail for every instance', () => {
  it('what is done on A and on B is read, from either, in one trail ordered by time then id', async () => {
    const { a, b } = await twoInstances();
    const anaOnA = as(a, await logIn(a, 'ana'));
    const biaOnB = as(b, await logIn(b, 'bia'));
    const face = fixtureBase64('face-single-centered.jpg');
    const registered = await biaOnB({
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      payload: { document_number: CPF_A, image: face },
    });
    expect(registered.statusCode).toBe(201);
    const key = String(json(registered).registration_key);
    // Made through B's emulator, found through A's: one database.
    expect((await anaOnA({ method: 'GET', url: `/api/local/face_recognition/registration/${key}` })).statusCode).toBe(200);
    refusal(await biaOnB({ method: 'GET', url: '/api/admin/audit' }), 403, 'forbidden');

    const read = async (app: FastifyInstance) =>
      (json(await as(app, await logIn(app, 'ana'))({ method: 'GET', url: '/api/admin/audit?limit=500' })).entries as AuditEntry[]).filter(
        (entry) => entry.action !== 'login',
      );
    const fromA = await read(a);
    expect(fromA.map((e) => [e.actor, e.action, e.outcome])).toEqual([
      ['bia', 'access_refused', 'forbidden'],
      ['ana', 'lookup_key', 'ok'],
      ['bia', 'register', 'ok'],
    ]);
    expect(await read(b)).toEqual(fromA);
    const order = fromA.map((e) => [e.at, e.id] as const);
    expect(order).toEqual([...order].sort((x, y) => (x[0] === y[0] ? y[1] - x[1] : y[0].localeCompare(x[0]))));
    // A page of the trail goes on from its last entry, across instances alike.
    const page = json(await anaOnA({ method: 'GET', url: `/api/admin/audit?limit=1&before=${String(fromA[0]?.id)}` }))
      .entries as AuditEntry[];
    expect(page[0]?.id).toBe(fromA[1]?.id);
  });
});
