import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { sessionAnswerSchema } from '../../contract/access.ts';
import { accountListSchema } from '../../contract/access-admin.ts';
import type { Account } from '../../contract/access.ts';
import { TEST_PASSWORD, buildTestApp, dataEnv, json, logIn, openTestAccessStore, refusal, testDataLocation } from './helper.ts';

// Issue 12: a production desk had to choose "Produção" again after every login, or it registered
// real customers into the emulator. Where the console opens is remembered with the account.

const ACCOUNTS: Account[] = [
  { name: 'desk', role: 'registrar', environments: null },
  { name: 'desk-local', role: 'registrar', environments: ['local', 'sandbox'] },
  { name: 'tester', role: 'qa', environments: null },
  { name: 'boss', role: 'admin', environments: null },
];

async function console_() {
  // sandbox and production need only exist: nothing here reaches them.
  const upstream = { url: 'http://127.0.0.1:9', apiKey: 'k' };
  const app = await buildTestApp({ production: upstream, sandbox: upstream }, undefined, undefined, {
    loginAs: false,
    accounts: ACCOUNTS,
  });
  return app;
}

/** The app, and the calls of its admin (logged in). */
async function withAdmin() {
  const app = await console_();
  return { app, admin: as(app, await logIn(app, 'boss')) };
}

function as(app: FastifyInstance, cookie: string) {
  return (options: InjectOptions) => app.inject({ ...options, headers: { ...options.headers, cookie } });
}

const session = async (call: (options: InjectOptions) => Promise<LightMyRequestResponse>) =>
  sessionAnswerSchema.parse(json(await call({ method: 'GET', url: '/api/session' }))).account;

const choose = (environment: unknown) => ({ method: 'PUT', url: '/api/session/environment', payload: { environment } }) as const;

describe('the environment an account chose', () => {
  it('is remembered with the account, and given with the session after logging out and in again', async () => {
    const app = await console_();
    let desk = as(app, await logIn(app, 'desk'));
    expect(await session(desk)).toMatchObject({ name: 'desk', last_environment: null, default_environment: null });

    expect((await desk(choose('production'))).statusCode).toBe(204);
    expect(await session(desk)).toMatchObject({ last_environment: 'production' });

    expect((await desk({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
    const login = await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'desk', password: TEST_PASSWORD } });
    expect(json(login).account).toMatchObject({ name: 'desk', last_environment: 'production' });
    desk = as(app, await logIn(app, 'desk'));
    expect(await session(desk)).toMatchObject({ last_environment: 'production' });
  });

  it('must be one the account may use, and needs a login', async () => {
    const app = await console_();
    const tester = as(app, await logIn(app, 'tester'));
    refusal(await tester(choose('production')), 403, 'environment_forbidden');
    refusal(await tester(choose('staging')), 400, 'invalid_request');
    expect(await session(tester)).toMatchObject({ last_environment: null });
    expect((await tester(choose('sandbox'))).statusCode).toBe(204);
    refusal(await app.inject(choose('local')), 401, 'not_authenticated');
    refusal(await tester({ method: 'POST', url: '/api/session/environment', payload: {} }), 405, 'method_not_allowed');
  });
});

describe('the default environment an admin sets', () => {
  it('is set with PATCH, listed, given with the session, and audited as an account change', async () => {
    const { app, admin } = await withAdmin();
    const changed = await admin({ method: 'PATCH', url: '/api/admin/accounts/desk', payload: { default_environment: 'production' } });
    expect(changed.statusCode).toBe(200);
    expect(json(changed)).toMatchObject({ name: 'desk', default_environment: 'production' });
    const list = accountListSchema.parse(json(await admin({ method: 'GET', url: '/api/admin/accounts' })));
    expect(list.accounts.find((a) => a.name === 'desk')?.default_environment).toBe('production');

    // Not a change of what the account may do: its sessions go on.
    const desk = as(app, await logIn(app, 'desk'));
    await admin({ method: 'PATCH', url: '/api/admin/accounts/desk', payload: { default_environment: 'sandbox' } });
    expect(await session(desk)).toMatchObject({ default_environment: 'sandbox', last_environment: null });

    const trail = json(await admin({ method: 'GET', url: '/api/admin/audit?action=account_changed' })) as {
      entries: { outcome: string }[];
    };
    expect(trail.entries.map((e) => e.outcome)).toContain('desk:default_environment');

    expect((await admin({ method: 'PATCH', url: '/api/admin/accounts/desk', payload: { default_environment: null } })).statusCode).toBe(
      200,
    );
    expect(await session(desk)).toMatchObject({ default_environment: null });
  });

  it('must be one of the environments the account may use', async () => {
    const { admin } = await withAdmin();
    const patch = (name: string, payload: object) => admin({ method: 'PATCH', url: `/api/admin/accounts/${name}`, payload });
    refusal(await patch('tester', { default_environment: 'production' }), 400, 'default_environment_not_allowed');
    refusal(await patch('desk-local', { default_environment: 'production' }), 400, 'default_environment_not_allowed');
    // Allowed and made the default in one change.
    expect((await patch('desk-local', { environments: null, default_environment: 'production' })).statusCode).toBe(200);
  });

  it('and the last choice are forgotten when a change takes their environment away', async () => {
    const { app, admin } = await withAdmin();
    const patch = (payload: object) => admin({ method: 'PATCH', url: '/api/admin/accounts/desk', payload });
    expect((await patch({ default_environment: 'production' })).statusCode).toBe(200);
    const desk = as(app, await logIn(app, 'desk'));
    expect((await desk(choose('production'))).statusCode).toBe(204);

    expect((await patch({ environments: ['local', 'sandbox'] })).statusCode).toBe(200);
    const again = as(app, await logIn(app, 'desk'));
    expect(await session(again)).toMatchObject({ last_environment: null, default_environment: null });
  });
});

describe('npm run user -- set-default-env', () => {
  it('sets and clears the default among the environments the account may use, audited', async () => {
    const location = await testDataLocation();
    const run = (args: string[], input = '') =>
      execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'cli', 'user.ts'), ...args], {
        env: { ...process.env, ...dataEnv(location), LOG_LEVEL: 'warn' },
        input,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    run(['add', 'desk', '--role', 'registrar', '--password-stdin'], 'a-long-password\n');
    run(['add', 'tester', '--role', 'qa', '--password-stdin'], 'a-long-password\n');
    expect(run(['set-default-env', 'desk', 'production'])).toContain('desk opens in: production.');
    expect(() => run(['set-default-env', 'tester', 'production'])).toThrow(/may not use that environment/);
    expect(() => run(['set-default-env', 'desk', 'staging'])).toThrow(/Unknown environment "staging"/);

    const store = await openTestAccessStore(location);
    expect((await store.findAccount('desk'))?.defaultEnvironment).toBe('production');
    expect((await store.findAccount('tester'))?.defaultEnvironment).toBeNull();
    expect((await store.queryAudit({ limit: 10, action: 'account_changed' })).map((e) => e.outcome)).toEqual(['desk:default_environment']);

    run(['set-default-env', 'desk', 'none']);
    expect((await store.findAccount('desk'))?.defaultEnvironment).toBeNull();
  }, 30_000);
});
