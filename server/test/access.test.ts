import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER, ROLES } from '../../contract/access.ts';
import type { Account, Role } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { FACE_STATUSES } from '../../contract/face-quality.ts';
import { LOGIN_MAX_PER_ACCOUNT, LOGIN_MAX_PER_ADDRESS } from '../access/throttling.ts';
import { toCsv } from '../access/csv.ts';
import { accessDatabaseFile } from '../access/store.ts';
import { connectPostgres } from '../lib/postgres.ts';
import type { Config } from '../config.ts';
import {
  CPF_A,
  TEST_PASSWORD,
  buildTestApp,
  dataEnv,
  databaseText,
  fixtureBase64,
  json,
  logIn,
  openTestAccessStore,
  refusal,
  testDataLocation,
} from './helper.ts';
import { misbehavingUpstream } from './misbehaving-upstream.ts';
import { exited, freePort } from './process.ts';

const FACE = fixtureBase64('face-single-centered.jpg');
const KEY = '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4';
const ROOT = join(import.meta.dirname, '..', '..');

/** One account per role, plus a registrar limited to the local environment. */
const ACCOUNTS: Account[] = [
  ...ROLES.map((role) => ({ name: `${role}-1`, role, environments: null })),
  { name: 'registrar-local', role: 'registrar', environments: ['local'] },
];

/** A production whose QI Tech answers every call well, so "allowed" reaches an answer. */
async function goodUpstream(): Promise<string> {
  const upstream = await misbehavingUpstream((request, response) => {
    const body = request.url?.endsWith('/image')
      ? { image_key: KEY, file_size: 10, width_px: 300, height_px: 300, created_at: '2026-11-26T12:00:00Z' }
      : { registration_key: KEY };
    response.writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  onTestFinished(() => upstream.close());
  return upstream.url;
}

async function consoleWithAccounts(overrides: Partial<Config> = {}) {
  const url = await goodUpstream();
  return buildTestApp({ production: { url, apiKey: 'k' }, sandbox: { url, apiKey: 'k' }, ...overrides }, undefined, undefined, {
    loginAs: false,
    accounts: ACCOUNTS,
  });
}

function as(app: FastifyInstance, cookie: string | undefined) {
  return (options: InjectOptions) =>
    app.inject({
      ...options,
      headers: { ...(cookie === undefined ? {} : { cookie }), [CONSENT_HEADER]: CONSENT_TERM.version, ...options.headers },
    });
}

const api = (env: string) => `/api/${env}/face_recognition`;
const ROUTES = {
  environments: { method: 'GET', url: '/api/environments' },
  register: { method: 'POST', url: `${api('local')}/registration`, payload: { document_number: CPF_A, image: FACE } },
  image: { method: 'POST', url: `${api('local')}/image`, payload: { image: FACE } },
  lookupKey: { method: 'GET', url: `${api('local')}/registration/${KEY}` },
  lookupDocument: { method: 'GET', url: `${api('local')}/registration/document_number/${CPF_A}` },
  registerProduction: { method: 'POST', url: `${api('production')}/registration`, payload: { document_number: CPF_A, image: FACE } },
  lookupProduction: { method: 'GET', url: `${api('production')}/registration/document_number/${CPF_A}` },
  lookupSandbox: { method: 'GET', url: `${api('sandbox')}/registration/document_number/${CPF_A}` },
  listAccounts: { method: 'GET', url: '/api/admin/accounts' },
  createAccount: {
    method: 'POST',
    url: '/api/admin/accounts',
    payload: { name: 'new-person', password: 'a-long-password', role: 'support' },
  },
  changeAccount: { method: 'PATCH', url: '/api/admin/accounts/support-1', payload: { environments: ['local', 'sandbox'] } },
  audit: { method: 'GET', url: '/api/admin/audit' },
  auditCsv: { method: 'GET', url: '/api/admin/audit.csv' },
} as const satisfies Record<string, InjectOptions>;
type Route = keyof typeof ROUTES;

/** Who may do what: every route, each role; the rest must be refused. */
const ALLOWED: Record<Role | 'registrar-local', readonly Route[]> = {
  admin: Object.keys(ROUTES) as Route[],
  registrar: [
    'environments',
    'register',
    'image',
    'lookupKey',
    'lookupDocument',
    'registerProduction',
    'lookupProduction',
    'lookupSandbox',
  ],
  support: ['environments', 'lookupKey', 'lookupDocument', 'lookupProduction', 'lookupSandbox'],
  qa: ['environments', 'register', 'image', 'lookupKey', 'lookupDocument', 'lookupSandbox'],
  'registrar-local': ['environments', 'register', 'image', 'lookupKey', 'lookupDocument'],
};

describe('the role matrix: every /api route, each role, allowed and refused', () => {
  it('answers no data without a login, for every route', async () => {
    const app = await consoleWithAccounts();
    const anonymous = as(app, undefined);
    for (const [route, options] of Object.entries(ROUTES)) {
      const response = await anonymous(options);
      expect(`${route} ${String(response.statusCode)}`).toBe(`${route} 401`);
      const body = refusal(response, 401, 'not_authenticated');
      expect(Object.keys(body).sort()).toEqual(['description', 'title']);
    }
  });

  it.each(Object.keys(ALLOWED) as (keyof typeof ALLOWED)[])('%s: its routes answer, the others are refused with 403', async (who) => {
    const app = await consoleWithAccounts();
    const name = who === 'registrar-local' ? who : `${who}-1`;
    const call = as(app, await logIn(app, name));
    for (const [route, options] of Object.entries(ROUTES) as [Route, InjectOptions][]) {
      const response = await call(options);
      if (ALLOWED[who].includes(route)) {
        expect(`${route} ${String(response.statusCode)}`).toMatch(new RegExp(`^${route} (200|201|404)$`));
        if (response.statusCode === 404) expect(json(response).title).toBe('registration_not_found');
      } else {
        expect(`${route} ${String(response.statusCode)}`).toBe(`${route} 403`);
        expect(['forbidden', 'environment_forbidden']).toContain(json(response).title);
      }
    }
  });

  it('lists to each account only the environments it may use', async () => {
    const app = await consoleWithAccounts();
    const names = async (account: string) =>
      (json(await as(app, await logIn(app, account))(ROUTES.environments)).environments as { name: string }[]).map((e) => e.name);
    expect(await names('admin-1')).toEqual(['local', 'sandbox', 'production']);
    expect(await names('qa-1')).toEqual(['local', 'sandbox']);
    expect(await names('registrar-local')).toEqual(['local']);
  });
});

describe('logging in and out', () => {
  it('logs in with the right password only, sets a strict httpOnly cookie on /api, and logs out', async () => {
    const app = await consoleWithAccounts();
    refusal(
      await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'support-1', password: 'wrong password' } }),
      401,
      'invalid_credentials',
    );
    const login = await app.inject({ method: 'POST', url: '/api/session', payload: { name: ' Support-1 ', password: TEST_PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(json(login)).toEqual({
      account: {
        name: 'support-1',
        role: 'support',
        environments: null,
        last_environment: null,
        default_environment: null,
        source: 'local',
      },
    });
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^frc_session=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/api');
    expect(setCookie).not.toContain('Secure');
    const cookie = setCookie.split(';')[0] ?? '';
    expect(json(await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).account).toMatchObject({
      name: 'support-1',
    });

    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    // The old cookie is worth nothing now.
    refusal(await app.inject({ method: 'GET', url: '/api/environments', headers: { cookie } }), 401, 'session_expired');
  });

  it('marks the cookie Secure when the console is reached over HTTPS through a trusted proxy', async () => {
    const app = await buildTestApp({ trustProxy: 1 }, undefined, undefined, { loginAs: false, accounts: ACCOUNTS });
    const login = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { name: 'admin-1', password: TEST_PASSWORD },
    });
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    expect(String(login.headers['set-cookie'])).toContain('SameSite=Strict');
  });

  it(`slows an account after ${String(LOGIN_MAX_PER_ACCOUNT)} failures, even for the right password, and says when to retry`, async () => {
    const app = await consoleWithAccounts();
    const attempt = (name: string, password: string) => app.inject({ method: 'POST', url: '/api/session', payload: { name, password } });
    for (let i = 0; i < LOGIN_MAX_PER_ACCOUNT; i += 1)
      refusal(await attempt('support-1', `wrong-${String(i)}`), 401, 'invalid_credentials');
    // A wait of a second after the last failure (doubling with each further one, up to a minute), not a lockout.
    const slowed = await attempt('support-1', TEST_PASSWORD);
    const body = refusal(slowed, 429, 'too_many_attempts');
    expect(body.retry_after_seconds).toBe(1);
    expect(Number(slowed.headers['retry-after'])).toBe(body.retry_after_seconds);
    expect(body.description).toMatch(/Try again in 1 second/);
    // Another account from the same address is not slowed by it.
    expect((await attempt('qa-1', TEST_PASSWORD)).statusCode).toBe(200);
  });

  it(`throttles an address after ${String(LOGIN_MAX_PER_ADDRESS)} failures across accounts`, async () => {
    const app = await consoleWithAccounts();
    for (let i = 0; i < LOGIN_MAX_PER_ADDRESS; i += 1) {
      refusal(
        await app.inject({ method: 'POST', url: '/api/session', payload: { name: `nobody-${String(i)}`, password: 'x' } }),
        401,
        'invalid_credentials',
      );
    }
    const body = refusal(
      await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'admin-1', password: TEST_PASSWORD } }),
      429,
      'too_many_attempts',
    );
    expect(body.description).toContain('from this address');
    // Another address is still welcome.
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/api/session',
      remoteAddress: '10.0.0.9',
      payload: { name: 'admin-1', password: TEST_PASSWORD },
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('refuses a disabled account after the right password, and ends its open sessions at once', async () => {
    const app = await consoleWithAccounts();
    const cookie = await logIn(app, 'support-1');
    const admin = as(app, await logIn(app, 'admin-1'));
    expect((await admin({ method: 'PATCH', url: '/api/admin/accounts/support-1', payload: { disabled: true } })).statusCode).toBe(200);
    refusal(await as(app, cookie)(ROUTES.lookupDocument), 401, 'session_expired');
    refusal(
      await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'support-1', password: TEST_PASSWORD } }),
      403,
      'account_disabled',
    );
  });
});

describe('bad input on the access routes', () => {
  it('is refused with a clear 4xx, never a 5xx', async () => {
    const app = await consoleWithAccounts();
    const admin = as(app, await logIn(app, 'admin-1'));
    const cases: [InjectOptions, number, string][] = [
      [{ method: 'POST', url: '/api/session', payload: { name: 'admin-1' } }, 400, 'invalid_request'],
      [{ method: 'POST', url: '/api/session', payload: 'name=admin-1', headers: { 'content-type': 'text/plain' } }, 406, 'invalid_json'],
      [{ method: 'POST', url: '/api/session', payload: { name: 'a', password: 'b', extra: 1 } }, 400, 'invalid_request'],
      [{ method: 'POST', url: '/api/setup', payload: { token: 't', name: 'ana', password: 'short' } }, 400, 'invalid_request'],
      [
        { method: 'POST', url: '/api/admin/accounts', payload: { name: 'x y', password: 'a-long-password', role: 'support' } },
        400,
        'invalid_request',
      ],
      [
        { method: 'POST', url: '/api/admin/accounts', payload: { name: 'xy', password: 'a-long-password', role: 'boss' } },
        400,
        'invalid_request',
      ],
      [
        { method: 'POST', url: '/api/admin/accounts', payload: { name: 'support-1', password: 'a-long-password', role: 'support' } },
        409,
        'account_exists',
      ],
      [{ method: 'PATCH', url: '/api/admin/accounts/support-1', payload: { owner: 'me' } }, 400, 'invalid_request'],
      [{ method: 'PATCH', url: '/api/admin/accounts/nobody', payload: { disabled: true } }, 404, 'account_not_found'],
      [{ method: 'GET', url: '/api/admin/audit?limit=100000' }, 400, 'invalid_request'],
      [{ method: 'GET', url: '/api/admin/audit?before=x' }, 400, 'invalid_request'],
      [{ method: 'PUT', url: '/api/session' }, 405, 'method_not_allowed'],
    ];
    // refusal() also demands a description a person can act on.
    for (const [options, status, title] of cases) refusal(await admin(options), status, title);
  });
});

describe('an admin changing their own account', () => {
  it('ends their other sessions, keeps the one they use (with the change), and cannot disable it or drop admin', async () => {
    const app = await consoleWithAccounts();
    const here = as(app, await logIn(app, 'admin-1'));
    const elsewhere = as(app, await logIn(app, 'admin-1'));
    const change = await here({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { environments: ['local'] } });
    expect(change.statusCode).toBe(200);
    expect(json(await here(ROUTES.environments))).toEqual({ environments: [{ name: 'local', synthetic: true, validation: true }] });
    refusal(await elsewhere(ROUTES.environments), 401, 'session_expired');
    refusal(await here({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { disabled: true } }), 409, 'own_account');
    refusal(await here({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { role: 'support' } }), 409, 'own_account');
  });
});

describe('sessions end', () => {
  it('after the idle timeout', async () => {
    const app = await consoleWithAccounts({ sessionIdleMs: 400 });
    const call = as(app, await logIn(app, 'support-1'));
    expect((await call(ROUTES.environments)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    refusal(await call(ROUTES.environments), 401, 'session_expired');
  });

  it('at the absolute lifetime, however active', async () => {
    const app = await consoleWithAccounts({ sessionIdleMs: 60_000, sessionMaxMs: 700 });
    const call = as(app, await logIn(app, 'support-1'));
    const started = Date.now();
    while (Date.now() - started < 500) {
      expect((await call(ROUTES.environments)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    const body = refusal(await call(ROUTES.environments), 401, 'session_expired');
    expect(body.description).toContain('Log in again');
  });
});

describe('the first admin', () => {
  it('is made once, with the token printed at start, and is logged in', async () => {
    const app = await buildTestApp({}, undefined, undefined, { loginAs: false });
    expect(json(await app.inject({ method: 'GET', url: '/api/session' }))).toEqual({ account: null, setup_required: true, sso: null });
    const token = app.setupToken ?? '';
    expect(token.length).toBeGreaterThan(20);
    const payload = { token: 'x'.repeat(token.length), name: 'ana', password: 'a-long-password' };
    refusal(await app.inject({ method: 'POST', url: '/api/setup', payload }), 403, 'invalid_setup_token');
    const made = await app.inject({ method: 'POST', url: '/api/setup', payload: { ...payload, token } });
    expect(made.statusCode).toBe(201);
    expect(json(made)).toEqual({ account: { name: 'ana', role: 'admin', environments: null } });
    const cookie = String(made.headers['set-cookie']).split(';')[0] ?? '';
    expect((await app.inject({ method: 'GET', url: '/api/admin/accounts', headers: { cookie } })).statusCode).toBe(200);
    refusal(
      await app.inject({ method: 'POST', url: '/api/setup', payload: { ...payload, token, name: 'eve' } }),
      404,
      'setup_not_available',
    );
    expect(json(await app.inject({ method: 'GET', url: '/api/session' })).setup_required).toBe(false);
  });

  it('has no setup link when accounts exist', async () => {
    const app = await consoleWithAccounts();
    expect(app.setupToken).toBeUndefined();
  });
});

describe('the audit trail', () => {
  it('records each action — who, when, environment, masked CPF, key, outcome, consent — and never a picture or a whole CPF', async () => {
    const location = await testDataLocation();
    const app = await consoleWithAccounts(location);
    // A failed login keeps the name typed only when it is an account's (a password typed as a name stays out).
    const failedLogin = (name: string) => app.inject({ method: 'POST', url: '/api/session', payload: { name, password: 'wrong' } });
    refusal(await failedLogin('registrar-1'), 401, 'invalid_credentials');
    refusal(await failedLogin('my secret pw'), 401, 'invalid_credentials');
    const registrar = as(app, await logIn(app, 'registrar-1'));
    const created = await registrar(ROUTES.register);
    expect(created.statusCode).toBe(201);
    const key = json(created).registration_key as string;
    await registrar({ method: 'GET', url: `${api('local')}/registration/${key}` });
    await registrar(ROUTES.lookupDocument);
    await registrar(ROUTES.image);
    refusal(await registrar({ ...ROUTES.register, headers: { [CONSENT_HEADER]: '' } }), 400, 'consent_required');
    refusal(await registrar(ROUTES.audit), 403, 'forbidden');
    const support = as(app, await logIn(app, 'support-1'));
    refusal(await support(ROUTES.register), 403, 'forbidden');
    await registrar({ method: 'DELETE', url: '/api/session' });

    const admin = as(app, await logIn(app, 'admin-1'));
    const { entries } = json(await admin({ method: 'GET', url: '/api/admin/audit?limit=500' })) as { entries: Record<string, unknown>[] };
    const pick = (e: Record<string, unknown>) => [
      e.actor,
      e.action,
      e.environment,
      e.cpf_masked,
      e.registration_key,
      e.outcome,
      e.status,
      e.consent_term,
    ];
    expect(entries.reverse().map(pick)).toEqual([
      ['registrar-1', 'login_failed', null, null, null, 'invalid_credentials', 401, null],
      [null, 'login_failed', null, null, null, 'invalid_credentials', 401, null],
      ['registrar-1', 'login', null, null, null, 'ok', 200, null],
      ['registrar-1', 'register', 'local', '***.982.247-**', key, 'ok', 201, CONSENT_TERM.version],
      ['registrar-1', 'lookup_key', 'local', null, key, 'ok', 200, null],
      ['registrar-1', 'lookup_document', 'local', '***.982.247-**', key, 'ok', 200, null],
      ['registrar-1', 'image', 'local', null, null, 'ok', 201, null],
      ['registrar-1', 'register', 'local', '***.982.247-**', null, 'consent_required', 400, null],
      ['registrar-1', 'access_refused', null, null, null, 'forbidden', 403, null],
      ['support-1', 'login', null, null, null, 'ok', 200, null],
      ['support-1', 'register', 'local', null, null, 'forbidden', 403, null],
      ['registrar-1', 'logout', null, null, null, 'ok', 204, null],
      ['admin-1', 'login', null, null, null, 'ok', 200, null],
    ]);
    expect(entries.every((e) => typeof e.at === 'string' && e.address === '127.0.0.1')).toBe(true);

    // Neither in the answers nor anywhere in the database (SQLite's file; PostgreSQL's every row): no whole CPF, no picture.
    const stored = await databaseText(location);
    expect(stored).toContain('***.982.247-**');
    for (const text of [JSON.stringify(entries), stored]) {
      expect(text).not.toContain(CPF_A);
      expect(text).not.toContain(CPF_A.replace(/\D/g, ''));
      expect(text).not.toContain(FACE.slice(0, 64));
    }
  });

  it('filters by period, user, CPF and action', async () => {
    const app = await consoleWithAccounts();
    const registrar = as(app, await logIn(app, 'registrar-1'));
    await registrar(ROUTES.register);
    await registrar({ method: 'GET', url: `${api('local')}/registration/document_number/111.444.777-35` });
    const admin = as(app, await logIn(app, 'admin-1'));
    const find = async (query: string) =>
      (
        json(await admin({ method: 'GET', url: `/api/admin/audit?${query}` })) as { entries: { action: string; actor: string }[] }
      ).entries.map((e) => `${e.actor} ${e.action}`);
    expect(await find(`cpf=${CPF_A}`)).toEqual(['registrar-1 register']);
    expect(await find('cpf=11144477735')).toEqual(['registrar-1 lookup_document']);
    expect(await find('user=registrar-1&action=login')).toEqual(['registrar-1 login']);
    const today = new Date().toISOString().slice(0, 10);
    expect(await find(`from=${today}&to=${today}&action=register`)).toEqual(['registrar-1 register']);
    expect(await find('to=2020-01-01')).toEqual([]);
    refusal(await admin({ method: 'GET', url: '/api/admin/audit?from=yesterday' }), 400, 'invalid_request');
    refusal(await admin({ method: 'GET', url: '/api/admin/audit?action=delete_everything' }), 400, 'invalid_request');
    // Paging: newest first, next_before until the end.
    const first = json(await admin({ method: 'GET', url: '/api/admin/audit?limit=2' })) as {
      entries: { id: number }[];
      next_before: number;
    };
    const second = json(await admin({ method: 'GET', url: `/api/admin/audit?limit=2&before=${String(first.next_before)}` })) as {
      entries: { id: number }[];
    };
    expect(Math.max(...second.entries.map((e) => e.id))).toBeLessThan(Math.min(...first.entries.map((e) => e.id)));
  });

  it('exports CSV with the same filters, cells that cannot run as formulas', async () => {
    const app = await consoleWithAccounts();
    const registrar = as(app, await logIn(app, 'registrar-1'));
    await registrar(ROUTES.register);
    const admin = as(app, await logIn(app, 'admin-1'));
    await admin({ method: 'PATCH', url: '/api/admin/accounts/support-1', payload: { role: 'qa' } });
    const csv = await admin({ method: 'GET', url: `/api/admin/audit.csv?cpf=${CPF_A}&format=en` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'id,at,actor,action,environment,cpf_masked,registration_key,outcome,status,consent_term,address,face_check_override,bulk_job',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^\d+,\d{4}-[^,]+,registrar-1,register,local,\*\*\*\.982\.247-\*\*,[0-9a-f-]{36},ok,201,2026-11-26,127\.0\.0\.1,,$/,
    );
    const all = await admin({ method: 'GET', url: '/api/admin/audit.csv' });
    expect(all.body).toContain(';Conta alterada;');
  });

  it('exports CSV in pt-BR form by default: `;`, São Paulo time, words, Portuguese headers; formula-safe, with a BOM', async () => {
    const app = await consoleWithAccounts();
    refusal(
      await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'registrar-1', password: 'wrong' } }),
      401,
      'invalid_credentials',
    );
    const registrar = as(app, await logIn(app, 'registrar-1'));
    await registrar(ROUTES.register);
    const admin = as(app, await logIn(app, 'admin-1'));
    const { entries } = json(await admin({ method: 'GET', url: '/api/admin/audit?action=register' })) as { entries: { at: string }[] };
    const at = entries[0]?.at ?? '';
    const csv = await admin({ method: 'GET', url: '/api/admin/audit.csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const lines = csv.body.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe(
      'ID;Data e hora (Brasília);Usuário;Ação;Ambiente;CPF (mascarado);Chave do cadastro;Resultado;Código do resultado;HTTP;Termo de consentimento;Endereço IP;Verificação facial;Lote',
    );
    // São Paulo is UTC−3 all year (no daylight saving since 2019).
    const local = new Date(new Date(at).getTime() - 3 * 3_600_000).toISOString();
    const expected = `${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)} ${local.slice(11, 19)}`;
    const registration = lines.find((line) => line.includes('Cadastro de rosto'));
    expect(registration).toMatch(
      new RegExp(
        `^\\d+;${expected};registrar-1;Cadastro de rosto;local;\\*\\*\\*\\.982\\.247-\\*\\*;[0-9a-f-]{36};Concluído;ok;201;2026-11-26;127\\.0\\.0\\.1;;$`,
      ),
    );
    expect(lines.find((line) => line.includes('Entrada recusada'))).toMatch(/;Credenciais inválidas;invalid_credentials;401;/);
    // The English form for scripts, on request; anything else is refused.
    const en = await admin({ method: 'GET', url: '/api/admin/audit.csv?format=en&action=register' });
    expect(en.body.slice(1).split('\r\n')[1]).toMatch(/^\d+,\d{4}-\d{2}-\d{2}T[^,]+Z,registrar-1,register,local,/);
    refusal(await admin({ method: 'GET', url: '/api/admin/audit.csv?format=xlsx' }), 400, 'invalid_request');
  });

  it('keeps CSV cells that look like formulas as text, and quotes the separator, in both forms', () => {
    const entry = {
      id: 7,
      at: '2026-11-30T02:05:09.000Z',
      actor: '@sum(1)',
      action: 'account_changed',
      environment: null,
      cpf_masked: null,
      registration_key: null,
      outcome: '=HYPERLINK("x";"y"),z',
      status: 200,
      consent_term: null,
      address: '-1',
      face_check_override: null,
      bulk_job: '=job',
    } as const;
    const [, pt] = toCsv([entry]).split('\r\n');
    const [, en] = toCsv([entry], 'en').split('\r\n');
    // Before midnight in São Paulo: the day before UTC's.
    expect(pt).toBe(
      `7;29/11/2026 23:05:09;'@sum(1);Conta alterada;;;;"'=HYPERLINK(""x"";""y""),z";"'=HYPERLINK(""x"";""y""),z";200;;'-1;;'=job`,
    );
    expect(en).toBe(`7,2026-11-30T02:05:09.000Z,'@sum(1),account_changed,,,,"'=HYPERLINK(""x"";""y""),z",200,,'-1,,'=job`);
  });

  it('filters by environment, in the page and the CSV; an unknown environment is refused', async () => {
    const app = await consoleWithAccounts();
    const registrar = as(app, await logIn(app, 'registrar-1'));
    await registrar(ROUTES.register);
    await registrar(ROUTES.lookupSandbox);
    await registrar(ROUTES.registerProduction);
    const admin = as(app, await logIn(app, 'admin-1'));
    const find = async (query: string) =>
      (
        json(await admin({ method: 'GET', url: `/api/admin/audit?${query}` })) as { entries: { action: string; environment: string }[] }
      ).entries.map((e) => `${e.action} ${e.environment}`);
    expect(await find('environment=sandbox')).toEqual(['lookup_document sandbox']);
    expect(await find('environment=production')).toEqual(['register production']);
    expect(await find('environment=local&action=register')).toEqual(['register local']);
    // Without it, every environment and the entries of none (logins).
    expect(await find('action=login')).toHaveLength(2);
    const csv = (await admin({ method: 'GET', url: '/api/admin/audit.csv?environment=production&format=en' })).body
      .slice(1)
      .trim()
      .split('\r\n');
    expect(csv.slice(1).map((line) => line.split(',')[4])).toEqual(['production']);
    refusal(await admin({ method: 'GET', url: '/api/admin/audit?environment=staging' }), 400, 'invalid_request');
    refusal(await admin({ method: 'GET', url: '/api/admin/audit.csv?environment=staging' }), 400, 'invalid_request');
  });

  it('forgets login failures older than the throttling window', async () => {
    const store = await openTestAccessStore();
    const now = Date.now();
    await store.recordLoginFailure('ana', '10.0.0.1', now - 20 * 60_000);
    await store.recordLoginFailure('ana', '10.0.0.1', now - 60_000);
    await store.pruneLoginFailures(now - 15 * 60_000);
    expect(await store.loginFailures('account', 'ana', 0)).toEqual({ count: 1, oldest: now - 60_000, newest: now - 60_000 });
  });

  it('cannot be rewritten: updates and deletes are refused by the database itself', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    await store.appendAudit({ actor: 'a', action: 'login', outcome: 'ok', status: 200 });
    if (location.databaseUrl === undefined) {
      const db = new Database(accessDatabaseFile(location.dataDir));
      onTestFinished(() => {
        db.close();
      });
      expect(() => db.prepare("UPDATE audit SET actor = 'b'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    } else {
      const sql = connectPostgres(location.databaseUrl, { max: 1 });
      onTestFinished(() => sql.end());
      await expect(sql`UPDATE audit SET actor = 'b'`).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM audit`).rejects.toThrow(/append-only/);
      await expect(sql`TRUNCATE audit`).rejects.toThrow(/append-only/);
    }
    expect(await store.queryAudit({ limit: 10 })).toHaveLength(1);
  });
});

describe('a picture sent although the console’s face check refused it', () => {
  /** The trail's registrations of a CPF as the admin reads them, newest first: JSON, and CSV lines without the header. */
  async function trailOf(app: FastifyInstance, cpf: string) {
    const admin = as(app, await logIn(app, 'admin-1'));
    const { entries } = json(await admin({ method: 'GET', url: `/api/admin/audit?action=register&cpf=${cpf}` })) as {
      entries: Record<string, unknown>[];
    };
    const csv = (await admin({ method: 'GET', url: `/api/admin/audit.csv?action=register&cpf=${cpf}&format=en` })).body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    return { entries, header: csv[0], rows: csv.slice(1) };
  }

  it('is registered with the override in the audit trail, and in the CSV as "sent despite" the status', async () => {
    const app = await consoleWithAccounts();
    const registrar = as(app, await logIn(app, 'registrar-1'));
    const created = await registrar({ ...ROUTES.register, headers: { [FACE_CHECK_OVERRIDE_HEADER]: 'face_too_small' } });
    expect(created.statusCode).toBe(201);
    // Without the header, as every registration whose picture passed: nothing of the kind recorded.
    expect((await registrar(ROUTES.register)).statusCode).toBe(201);

    const { entries, header, rows } = await trailOf(app, CPF_A);
    expect(entries.map((e) => [e.outcome, e.status, e.face_check_override])).toEqual([
      ['ok', 201, null],
      ['ok', 201, 'face_too_small'],
    ]);
    expect(entries[1]?.registration_key).toBe(json(created).registration_key);
    expect(header).toBe(
      'id,at,actor,action,environment,cpf_masked,registration_key,outcome,status,consent_term,address,face_check_override,bulk_job',
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/,ok,201,2026-11-26,127\.0\.0\.1,,$/);
    expect(rows[1]).toMatch(/,ok,201,2026-11-26,127\.0\.0\.1,sent despite face_too_small,$/);
  });

  it('keeps the override when QI Tech refuses the picture, and never forwards the header', async () => {
    const headers: Record<string, unknown>[] = [];
    const upstream = await misbehavingUpstream((request, response) => {
      headers.push({ ...request.headers });
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ title: 'image_quality', description: 'The face is too small.', image_status: 'face_too_small' }));
    });
    onTestFinished(() => upstream.close());
    const app = await buildTestApp({ production: { url: upstream.url, apiKey: 'k' } }, undefined, undefined, {
      loginAs: false,
      accounts: ACCOUNTS,
    });
    const registrar = as(app, await logIn(app, 'registrar-1'));
    const refused = await registrar({ ...ROUTES.registerProduction, headers: { [FACE_CHECK_OVERRIDE_HEADER]: 'face_too_small' } });
    refusal(refused, 400, 'image_quality');
    expect(upstream.requests).toHaveLength(1);
    expect(Object.keys(headers[0] ?? {})).not.toContain(FACE_CHECK_OVERRIDE_HEADER);
    expect(Object.keys(headers[0] ?? {})).not.toContain(CONSENT_HEADER);
    expect(JSON.stringify(headers[0])).not.toContain('face_too_small');

    const { entries, rows } = await trailOf(app, CPF_A);
    expect(entries.map((e) => [e.environment, e.outcome, e.status, e.face_check_override])).toEqual([
      ['production', 'image_quality', 400, 'face_too_small'],
    ]);
    expect(rows[0]).toMatch(/,image_quality,400,2026-11-26,127\.0\.0\.1,sent despite face_too_small,$/);
  });

  it.each(['ok', 'FACE_TOO_SMALL', 'face_too_small, blurry', 'sent despite face_too_small', ''])(
    'refuses %j with 400 invalid_face_check_override, naming the allowed values, and forwards nothing',
    async (value) => {
      const upstream = await misbehavingUpstream((_request, response) => {
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ registration_key: KEY }));
      });
      onTestFinished(() => upstream.close());
      const app = await buildTestApp({ production: { url: upstream.url, apiKey: 'k' } }, undefined, undefined, {
        loginAs: false,
        accounts: ACCOUNTS,
      });
      const registrar = as(app, await logIn(app, 'registrar-1'));
      for (const route of [ROUTES.register, ROUTES.registerProduction]) {
        const body = refusal(
          await registrar({ ...route, headers: { [FACE_CHECK_OVERRIDE_HEADER]: value } }),
          400,
          'invalid_face_check_override',
        );
        expect(body.description).toContain(FACE_CHECK_OVERRIDE_HEADER);
        for (const status of FACE_STATUSES) expect(body.description).toContain(status);
      }
      // Nothing reached either upstream: no registration anywhere.
      expect(upstream.requests).toHaveLength(0);
      refusal(await registrar(ROUTES.lookupDocument), 404, 'registration_not_found');

      const { entries } = await trailOf(app, CPF_A);
      expect(entries.map((e) => [e.environment, e.registration_key, e.outcome, e.status, e.face_check_override])).toEqual([
        ['production', null, 'invalid_face_check_override', 400, null],
        ['local', null, 'invalid_face_check_override', 400, null],
      ]);
    },
  );
});

describe('requests from elsewhere and too many requests', () => {
  it('refuses a write from another site (Origin, Sec-Fetch-Site) and accepts the console’s own', async () => {
    const app = await consoleWithAccounts();
    const call = as(app, await logIn(app, 'registrar-1'));
    refusal(await call({ ...ROUTES.image, headers: { origin: 'https://evil.example' } }), 403, 'cross_site_request');
    refusal(await call({ ...ROUTES.image, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'cross_site_request');
    refusal(await call({ ...ROUTES.image, headers: { 'sec-fetch-site': 'same-site' } }), 403, 'cross_site_request');
    expect(
      (await call({ ...ROUTES.image, headers: { origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' } }))
        .statusCode,
    ).toBe(201);
  });

  it('limits each account’s requests a minute', async () => {
    const app = await consoleWithAccounts({ apiRateLimit: 3 });
    const support = as(app, await logIn(app, 'support-1'));
    for (let i = 0; i < 3; i += 1) expect((await support(ROUTES.environments)).statusCode).toBe(200);
    refusal(await support(ROUTES.environments), 429, 'rate_limited');
    // Another account has its own allowance.
    const qa = as(app, await logIn(app, 'qa-1'));
    expect((await qa(ROUTES.environments)).statusCode).toBe(200);
  });

  it('sends the security headers on the page, the API, its refusals and the emulator', async () => {
    const app = await consoleWithAccounts();
    const requests: InjectOptions[] = [
      { method: 'GET', url: '/', headers: { accept: 'text/html' } },
      { method: 'GET', url: '/api/session' },
      // Refusals: an unknown API path, a malformed body, the emulator without its key.
      { method: 'GET', url: '/api/nowhere' },
      { method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: '{"name":' },
      { method: 'GET', url: `/emulator/face_recognition/registration/document_number/${CPF_A}` },
    ];
    for (const request of requests) {
      const response = await app.inject(request);
      expect(response.statusCode, JSON.stringify(request.url)).toBeLessThan(500);
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['permissions-policy']).toContain('camera=(self)');
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
  });
});

describe('npm run user', () => {
  it('adds an account that can log in, lists it, disables it, and each change is audited', async () => {
    const location = await testDataLocation();
    const { dataDir } = location;
    const run = (args: string[], input?: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli/user.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...dataEnv(location) },
        input: input ?? '',
        encoding: 'utf8',
      });
    expect(run(['add', 'Maria.Silva', '--role', 'support', '--env', 'local,sandbox', '--password-stdin'], 'a-long-password\n')).toContain(
      'Account maria.silva created (support).',
    );
    const generated = run(['add', 'joao', '--role', 'registrar']);
    const password = /Password \(shown once; give it to joao privately\): (\S+)/.exec(generated)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(run(['list'])).toMatch(/maria\.silva\tsupport\tlocal,sandbox\tactive/);
    // Run before any server start, it keeps the data for this account alone, as the server does.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dataDir)) expect([name, statSync(join(dataDir, name)).mode & 0o077]).toEqual([name, 0]);

    const app = await buildTestApp(location, undefined, undefined, { loginAs: false });
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'joao', password } })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'maria.silva', password: 'a-long-password' } })).statusCode,
    ).toBe(200);
    run(['disable', 'joao']);
    refusal(await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'joao', password } }), 403, 'account_disabled');
    expect(() => run(['add', 'x', '--role', 'boss'])).toThrow();

    const store = await openTestAccessStore(location);
    const trail = (await store.queryAudit({ limit: 50, action: 'account_created' })).map((e) => [e.actor?.startsWith('cli:'), e.outcome]);
    expect(trail).toEqual([
      [true, 'joao:registrar'],
      [true, 'maria.silva:support'],
    ]);
  }, 30_000);
});

describe('a fresh start with no configuration', () => {
  it('prints a one-time setup link; it makes the first admin, who is logged in', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/server.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...dataEnv(await testDataLocation()), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(async () => {
      child.kill('SIGTERM');
      await exited(child);
    });
    let output = '';
    const link = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\/setup#token=[\w-]+/.exec(output);
        if (found) resolve(found[0]);
      });
      child.once('exit', (code) => {
        reject(new Error(`the server exited with ${String(code)}: ${output}`));
      });
    });
    expect(output).toContain('npm run user -- add NAME --role admin');
    const url = new URL(link);
    // The token is in the fragment: browsers never send it, so no server log can hold it.
    expect(url.pathname).toBe('/setup');
    const token = url.hash.replace('#token=', '');
    const made = await fetch(`http://127.0.0.1:${String(port)}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'ana', password: 'a-long-password' }),
    });
    expect(made.status).toBe(201);
    const cookie = (made.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^frc_session=/);
    const session = await fetch(`http://127.0.0.1:${String(port)}/api/session`, { headers: { cookie } });
    expect(await session.json()).toEqual({
      account: { name: 'ana', role: 'admin', environments: null, last_environment: null, default_environment: null, source: 'local' },
      setup_required: false,
      sso: null,
    });
    const again = await fetch(`http://127.0.0.1:${String(port)}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'eve', password: 'a-long-password' }),
    });
    expect(again.status).toBe(404);
  }, 30_000);
});
