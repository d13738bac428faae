import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, SSO_ERRORS } from '../../contract/access-admin.ts';
import type { Account } from '../../contract/access.ts';
import { AUDIT_LABELS, auditOutcomeText } from '../../contract/audit-labels.ts';
import { TRANSACTION_COOKIE } from '../access/oidc.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { loadConfig, parseRoleMap } from '../config.ts';
import type { Config } from '../config.ts';
import { TEST_PASSWORD, buildTestApp, dataEnv, json, logIn, refusal, testDataLocation } from './helper.ts';
import { PROVIDER_CLIENT, TEST_ROLE_MAP, browseProvider, jwtClaims, startLoopbackProvider } from './oidc-provider.ts';
import type { LoopbackProvider } from './oidc-provider.ts';
import { freePort } from './process.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The console's address as the provider knows it (the tests reach the console with inject: nothing listens there). */
const PUBLIC_URL = 'http://127.0.0.1:8599';

/** The settings a deployment writes, for a provider at `issuer`. */
function ssoEnv(issuer: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: PROVIDER_CLIENT.id,
    OIDC_CLIENT_SECRET: PROVIDER_CLIENT.secret,
    OIDC_ROLE_MAP: TEST_ROLE_MAP,
    OIDC_SCOPES: 'openid profile email groups',
    OIDC_PROVIDER_NAME: 'Loopback ID',
    PUBLIC_URL,
    ...more,
  };
}

async function ssoConsole(
  issuer: string,
  { env = {}, accounts = [], overrides = {} }: { env?: Record<string, string>; accounts?: Account[]; overrides?: Partial<Config> } = {},
): Promise<FastifyInstance> {
  return buildTestApp({ oidc: loadConfig(ssoEnv(issuer, env)).oidc, ...overrides }, undefined, undefined, { loginAs: false, accounts });
}

const sessionCookie = (response: LightMyRequestResponse) => {
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  return cookie === undefined ? undefined : `${SESSION_COOKIE}=${cookie.value}`;
};

interface Started {
  /** The provider's address the console sent the browser to. */
  authorizationUrl: URL;
  /** The transaction cookie, as the browser would send it back to the callback. */
  transaction: string;
  start: LightMyRequestResponse;
}

async function startLogin(app: FastifyInstance, next = '/lookup'): Promise<Started> {
  const start = await app.inject({ method: 'GET', url: `/api/auth/oidc/login?next=${encodeURIComponent(next)}` });
  expect(start.statusCode).toBe(302);
  const cookie = start.cookies.find((c) => c.name === TRANSACTION_COOKIE);
  if (cookie === undefined) throw new Error('no transaction cookie');
  return { authorizationUrl: new URL(String(start.headers.location)), transaction: `${TRANSACTION_COOKIE}=${cookie.value}`, start };
}

/** The provider's redirect to the callback, as the browser makes it: a top-level navigation from another site. */
function callback(app: FastifyInstance, url: string, transaction: string | undefined): Promise<LightMyRequestResponse> {
  const { pathname, search } = new URL(url);
  return app.inject({
    method: 'GET',
    url: `${pathname}${search}`,
    headers: {
      ...(transaction === undefined ? {} : { cookie: transaction }),
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    },
  });
}

/** The whole login: the console, the provider's own pages (login and consent), back to the console's callback. */
async function ssoLogin(app: FastifyInstance, provider: LoopbackProvider, login: string, next = '/lookup') {
  const started = await startLogin(app, next);
  expect(started.authorizationUrl.origin).toBe(provider.issuer);
  const back = await browseProvider(started.authorizationUrl.href, login, PUBLIC_URL);
  const done = await callback(app, back, started.transaction);
  return { ...started, back, done, cookie: sessionCookie(done) };
}

function as(app: FastifyInstance, cookie: string | undefined) {
  return (options: InjectOptions) =>
    app.inject({ ...options, headers: { ...(cookie === undefined ? {} : { cookie }), ...options.headers } });
}

async function sessionOf(app: FastifyInstance, cookie: string | undefined) {
  return json(await as(app, cookie)({ method: 'GET', url: '/api/session' }));
}

async function auditOf(app: FastifyInstance, adminCookie: string, action: string) {
  const answer = json(await as(app, adminCookie)({ method: 'GET', url: `/api/admin/audit?action=${action}` }));
  return answer.entries as Record<string, unknown>[];
}

const LOCAL_ADMIN: Account = { name: 'local-admin', role: 'admin', environments: null };
const LOCAL_DESK: Account = { name: 'local-desk', role: 'registrar', environments: null };

/** A sso_error redirect: to the login page, with the reason (and where the person was going). */
function expectSsoError(response: LightMyRequestResponse, reason: string) {
  expect(response.statusCode).toBe(302);
  const location = new URL(String(response.headers.location), PUBLIC_URL);
  expect(`${location.pathname}?sso_error=${String(location.searchParams.get('sso_error'))}`).toBe(`/login?sso_error=${reason}`);
  expect(sessionCookie(response)).toBeUndefined();
}

describe('single sign-on: the authorization code flow against a real provider', () => {
  it('logs an admin in through the provider’s own pages: code + PKCE, state, nonce; the account made from the groups', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);

    // Offered on the login page, with password login for everyone until an admin says otherwise.
    expect(await sessionOf(app, undefined)).toEqual({
      account: null,
      setup_required: true,
      sso: { provider: 'Loopback ID', local_login: 'everyone' },
    });

    const { authorizationUrl, start, done, cookie } = await ssoLogin(app, provider, 'ana', '/audit?user=x');
    const asked = authorizationUrl.searchParams;
    expect(asked.get('response_type')).toBe('code');
    expect(asked.get('client_id')).toBe(PROVIDER_CLIENT.id);
    expect(asked.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/auth/oidc/callback`);
    expect(asked.get('scope')).toBe('openid profile email groups');
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(asked.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(asked.get('nonce')).toMatch(/^[\w-]{20,}$/);
    // State, nonce and verifier wait in a signed, short-lived, httpOnly cookie the callback alone receives;
    // Lax, since the provider's redirect back is a navigation from another site.
    const transaction = start.cookies.find((c) => c.name === TRANSACTION_COOKIE);
    expect(transaction).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/auth/oidc/callback', maxAge: 600 });
    expect(transaction?.value).not.toContain(asked.get('code_challenge') ?? '');

    // Back at the console: a session exactly as a password login makes, and on to where the person was going.
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/audit?user=x');
    const session = done.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    expect(done.cookies.find((c) => c.name === TRANSACTION_COOKIE)?.value).toBe('');
    expect(await sessionOf(app, cookie)).toMatchObject({
      account: { name: 'ana.admin', role: 'admin', environments: null },
      setup_required: false,
    });
    const accounts = json(await as(app, cookie)({ method: 'GET', url: '/api/admin/accounts' })).accounts as Record<string, unknown>[];
    expect(accounts).toEqual([expect.objectContaining({ name: 'ana.admin', role: 'admin', source: 'oidc', break_glass: false })]);
    const logins = await auditOf(app, cookie ?? '', 'login');
    expect(logins).toEqual([expect.objectContaining({ actor: 'ana.admin', outcome: 'sso', status: 302, address: '127.0.0.1' })]);
    expect(await auditOf(app, cookie ?? '', 'account_created')).toEqual([
      expect.objectContaining({ actor: 'system:oidc', outcome: 'ana.admin:admin' }),
    ]);
  });

  it('gives each mapped group its role and environments, and the rights that go with them', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    const expected = {
      rui: { name: 'rui.desk', role: 'registrar', environments: null },
      sol: { name: 'sol.support', role: 'support', environments: null },
      quim: { name: 'quim.qa', role: 'qa', environments: ['local', 'sandbox'] },
    } as const;
    for (const [login, account] of Object.entries(expected)) {
      const { cookie } = await ssoLogin(app, provider, login);
      expect((await sessionOf(app, cookie)).account).toMatchObject(account);
      // What the role may not do stays refused.
      refusal(await as(app, cookie)({ method: 'GET', url: '/api/admin/accounts' }), 403, 'forbidden');
    }
    const { cookie: support } = await ssoLogin(app, provider, 'sol');
    refusal(
      await as(app, support)({ method: 'POST', url: '/api/local/face_recognition/image', payload: { image: 'AAAA' } }),
      403,
      'forbidden',
    );
  });

  it('reads the groups again at every login: a new group changes the role (audited) and ends the sessions of the old one', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    const first = await ssoLogin(app, provider, 'rui');
    expect((await sessionOf(app, first.cookie)).account).toMatchObject({ role: 'registrar' });

    const rui = provider.users.rui;
    if (rui !== undefined) rui.groups = ['face-support'];
    const second = await ssoLogin(app, provider, 'rui');
    expect((await sessionOf(app, second.cookie)).account).toMatchObject({ name: 'rui.desk', role: 'support' });
    expect((await sessionOf(app, first.cookie)).account).toBeNull();

    const admin = await ssoLogin(app, provider, 'ana');
    expect(await auditOf(app, admin.cookie ?? '', 'account_changed')).toEqual([
      expect.objectContaining({ actor: 'system:oidc', outcome: 'rui.desk:role' }),
    ]);
  });

  it('refuses a person whose groups the provider left out for too many (group overage) as such, not as groupless; audited', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN] });
    // As Entra ID past 200 groups: no groups claim, and _claim_names pointing at Microsoft Graph.
    provider.rewriteIdToken = (token) => {
      const { groups: _dropped, ...claims } = jwtClaims(token);
      return provider.signWithProviderKey({
        ...claims,
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
      });
    };
    expectSsoError((await ssoLogin(app, provider, 'rui')).done, 'group_overage');
    // Without the overage marker, the same missing claim is a person in no mapped group.
    provider.rewriteIdToken = (token) => {
      const { groups: _dropped, ...claims } = jwtClaims(token);
      return provider.signWithProviderKey(claims);
    };
    expectSsoError((await ssoLogin(app, provider, 'rui')).done, 'no_mapped_group');
    const admin = await logIn(app, LOCAL_ADMIN.name);
    expect((await auditOf(app, admin, 'oidc_refused')).map((entry) => [entry.actor, entry.outcome])).toEqual([
      ['rui.desk', 'no_mapped_group'],
      ['rui.desk', 'group_overage'],
    ]);
    expect(await auditOf(app, admin, 'account_created')).toEqual([]);
  });

  it('refuses a person in no mapped group, and says so on the login page; audited', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN] });
    const { done } = await ssoLogin(app, provider, 'eva', '/lookup');
    expectSsoError(done, 'no_mapped_group');
    expect(new URL(String(done.headers.location), PUBLIC_URL).searchParams.get('next')).toBe('/lookup');
    const admin = await logIn(app, LOCAL_ADMIN.name);
    expect(await auditOf(app, admin, 'oidc_refused')).toEqual([
      expect.objectContaining({ actor: 'eva.outsider', outcome: 'no_mapped_group', status: 302 }),
    ]);
    const names = (json(await as(app, admin)({ method: 'GET', url: '/api/admin/accounts' })).accounts as { name: string }[]).map(
      (a) => a.name,
    );
    expect(names).toEqual(['local-admin']);
  });

  it('goes on only to a path of the console: never another site, nor the API', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/api/admin/accounts', 'lookup']) {
      const { done } = await ssoLogin(app, provider, 'rui', next);
      expect(done.headers.location).toBe('/');
    }
  });

  it('refuses a local account’s name: a provider’s person never takes over an account of the console', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [{ name: 'ana.admin', role: 'support', environments: null }] });
    const { done } = await ssoLogin(app, provider, 'ana');
    expectSsoError(done, 'name_taken');
    expect((await sessionOf(app, await logIn(app, 'ana.admin'))).account).toMatchObject({ role: 'support' });
  });

  it('refuses an account an admin disabled in the console, whatever its groups', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN] });
    expect((await ssoLogin(app, provider, 'rui')).done.statusCode).toBe(302);
    const admin = await logIn(app, LOCAL_ADMIN.name);
    const disable = await as(app, admin)({ method: 'PATCH', url: '/api/admin/accounts/rui.desk', payload: { disabled: true } });
    expect(disable.statusCode).toBe(200);
    expectSsoError((await ssoLogin(app, provider, 'rui')).done, 'account_disabled');
  });
});

describe('single sign-on: what the console refuses', () => {
  it('a callback whose state is not the one of the login this browser started, or with no login started', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    const started = await startLogin(app);
    const back = new URL(await browseProvider(started.authorizationUrl.href, 'ana', PUBLIC_URL));
    back.searchParams.set('state', 'another-state-value-of-an-attacker');
    const mismatch = await callback(app, back.href, started.transaction);
    expectSsoError(mismatch, 'state_mismatch');
    expect(mismatch.cookies.find((c) => c.name === TRANSACTION_COOKIE)).toBeUndefined();

    // The same callback with the right state, but from a browser that started no login (or a forged cookie).
    back.searchParams.set('state', started.authorizationUrl.searchParams.get('state') ?? '');
    expectSsoError(await callback(app, back.href, undefined), 'no_transaction');
    const forged = `${started.transaction.slice(0, -4)}AAAA`;
    expectSsoError(await callback(app, back.href, forged), 'no_transaction');

    // A state of another login left the cookie to the login it belongs to, which still finishes.
    const done = await callback(app, back.href, started.transaction);
    expect(done.headers.location).toBe('/lookup');
    expect((await sessionOf(app, sessionCookie(done))).account).toMatchObject({ name: 'ana.admin' });
  });

  it('a replayed code: the provider refuses it the second time, and no second session is made', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    const { back, transaction, done } = await ssoLogin(app, provider, 'rui');
    expect(done.headers.location).toBe('/lookup');
    expectSsoError(await callback(app, back, transaction), 'code_rejected');
  });

  describe('an ID token that fails a check', () => {
    const cases: [string, (provider: LoopbackProvider, token: string) => string][] = [
      ['for another audience', (p, token) => p.signWithProviderKey({ ...jwtClaims(token), aud: 'another-client' })],
      [
        'expired',
        (p, token) => {
          const now = Math.floor(Date.now() / 1000);
          return p.signWithProviderKey({ ...jwtClaims(token), iat: now - 7200, exp: now - 3600 });
        },
      ],
      ['signed with a key the provider never published', (p, token) => p.signWithUnknownKey(jwtClaims(token))],
      ['from another issuer', (p, token) => p.signWithProviderKey({ ...jwtClaims(token), iss: 'http://127.0.0.1:9/' })],
      ['with another nonce', (p, token) => p.signWithProviderKey({ ...jwtClaims(token), nonce: 'not-the-nonce-sent' })],
      ['unsigned', (_p, token) => `${token.split('.').slice(0, 2).join('.')}.`],
    ];
    it.each(cases)('%s is refused (token_rejected), audited, and makes no session', async (_name, rewrite) => {
      const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
      const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN] });
      provider.rewriteIdToken = (token) => rewrite(provider, token);
      expectSsoError((await ssoLogin(app, provider, 'ana')).done, 'token_rejected');
      const admin = await logIn(app, LOCAL_ADMIN.name);
      expect(await auditOf(app, admin, 'oidc_refused')).toEqual([expect.objectContaining({ outcome: 'token_rejected' })]);
      expect(await auditOf(app, admin, 'account_created')).toEqual([]);
    });

    it('while the same token re-signed unchanged by the provider’s key logs in (the rewriting itself breaks nothing)', async () => {
      const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
      const app = await ssoConsole(provider.issuer);
      let rewritten = 0;
      provider.rewriteIdToken = (token) => {
        rewritten += 1;
        return provider.signWithProviderKey(jwtClaims(token));
      };
      const { done, cookie } = await ssoLogin(app, provider, 'ana');
      expect(done.headers.location).toBe('/lookup');
      expect(rewritten).toBe(1);
      expect((await sessionOf(app, cookie)).account).toMatchObject({ name: 'ana.admin' });
    });
  });

  it('a provider that is down: a clear refusal, and local accounts still log in', async () => {
    const down = `http://127.0.0.1:${String(await freePort())}`;
    const app = await ssoConsole(down, { accounts: [LOCAL_DESK] });
    const start = await app.inject({ method: 'GET', url: '/api/auth/oidc/login?next=%2Flookup' });
    expectSsoError(start, 'provider_unavailable');
    expect(start.headers.location).toBe('/login?sso_error=provider_unavailable&next=%2Flookup');
    expect((await sessionOf(app, undefined)).sso).toEqual({ provider: 'Loopback ID', local_login: 'everyone' });
    expect((await sessionOf(app, await logIn(app, LOCAL_DESK.name))).account).toMatchObject({ name: 'local-desk' });
  });

  it('only GET: the callback and the start answer other methods 405', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    for (const url of ['/api/auth/oidc/callback?code=x&state=y', '/api/auth/oidc/login']) {
      const response = await app.inject({ method: 'POST', url });
      expect(response.statusCode).toBe(405);
    }
  });
});

describe('single sign-on: sessions follow the provider', () => {
  it('the console session ends when the ID token expires (OIDC_SESSION_FOLLOWS_TOKEN, on unless set off)', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL, idTokenTtl: 2 });
    const following = await ssoConsole(provider.issuer);
    const notFollowing = await ssoConsole(provider.issuer, { env: { OIDC_SESSION_FOLLOWS_TOKEN: 'off' } });
    const a = await ssoLogin(following, provider, 'rui');
    const b = await ssoLogin(notFollowing, provider, 'rui');
    expect((await sessionOf(following, a.cookie)).account).toMatchObject({ name: 'rui.desk' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await as(following, a.cookie)({ method: 'GET', url: '/api/environments' });
    refusal(expired, 401, 'session_expired');
    expect((await sessionOf(notFollowing, b.cookie)).account).toMatchObject({ name: 'rui.desk' });
  });

  it('logging out ends the console session and answers the provider’s logout address (RP-initiated logout)', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_DESK] });
    const { cookie, done } = await ssoLogin(app, provider, 'rui');
    expect(done.statusCode).toBe(302);
    const out = await as(app, cookie)({ method: 'DELETE', url: '/api/session' });
    expect(out.statusCode).toBe(200);
    const endSession = new URL(String(json(out).end_session_url));
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/login`);
    expect(endSession.searchParams.get('client_id')).toBe(PROVIDER_CLIENT.id);
    expect(jwtClaims(endSession.searchParams.get('id_token_hint') ?? '')).toMatchObject({ sub: 'rui', aud: PROVIDER_CLIENT.id });
    expect((await sessionOf(app, cookie)).account).toBeNull();

    // A local account's logout has nothing to end elsewhere.
    const local = await logIn(app, LOCAL_DESK.name);
    expect((await as(app, local)({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
  });

  it('the provider accepts that address: its logout page, then back to the console’s login page', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer);
    const { cookie } = await ssoLogin(app, provider, 'rui');
    const out = await as(app, cookie)({ method: 'DELETE', url: '/api/session' });
    // The provider shows its own "sign out?" page and, once confirmed, sends the browser to post_logout_redirect_uri.
    const landed = await browseProvider(String(json(out).end_session_url), 'rui', PUBLIC_URL);
    expect(landed).toBe(`${PUBLIC_URL}/login`);
  });
});

describe('local accounts beside single sign-on', () => {
  it('an admin turns password login off for all but break-glass accounts: stored, audited, enforced; the last break-glass admin kept', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN, LOCAL_DESK] });
    const admin = await logIn(app, LOCAL_ADMIN.name);
    const put = (local_login: string) => as(app, admin)({ method: 'PUT', url: '/api/admin/sign-in', payload: { local_login } });

    // Not without a break-glass admin: nobody could log in while the provider is down.
    refusal(await put('break_glass'), 409, 'no_break_glass_admin');
    const mark = await as(app, admin)({ method: 'PATCH', url: `/api/admin/accounts/${LOCAL_ADMIN.name}`, payload: { break_glass: true } });
    expect(mark.statusCode).toBe(200);
    const turned = await put('break_glass');
    expect(turned.statusCode).toBe(200);
    expect(json(turned)).toEqual({
      local_login: 'break_glass',
      sso: { provider: 'Loopback ID', issuer: provider.issuer, role_map: TEST_ROLE_MAP },
    });
    expect((await sessionOf(app, undefined)).sso).toEqual({ provider: 'Loopback ID', local_login: 'break_glass' });

    // The registrar's right password is refused; the break-glass admin's is not; the provider's people log in.
    const desk = await app.inject({ method: 'POST', url: '/api/session', payload: { name: LOCAL_DESK.name, password: TEST_PASSWORD } });
    expect(refusal(desk, 403, 'local_login_off').description).toContain('Entrar com Loopback ID');
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { name: LOCAL_DESK.name, password: 'wrong password!' },
    });
    refusal(wrong, 401, 'invalid_credentials');
    expect((await sessionOf(app, await logIn(app, LOCAL_ADMIN.name))).account).toMatchObject({ name: LOCAL_ADMIN.name });
    expect((await ssoLogin(app, provider, 'rui')).cookie).toBeDefined();

    // The last break-glass admin keeps the mark while the setting holds.
    const unmark = await as(
      app,
      admin,
    )({ method: 'PATCH', url: `/api/admin/accounts/${LOCAL_ADMIN.name}`, payload: { break_glass: false } });
    refusal(unmark, 409, 'last_break_glass');

    expect((await put('everyone')).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/api/session', payload: { name: LOCAL_DESK.name, password: TEST_PASSWORD } })).statusCode,
    ).toBe(200);
    const changes = await auditOf(app, admin, 'setting_changed');
    expect(changes.map((e) => [e.actor, e.outcome])).toEqual([
      [LOCAL_ADMIN.name, 'local_login:everyone'],
      [LOCAL_ADMIN.name, 'local_login:break_glass'],
    ]);
    expect((await auditOf(app, admin, 'login_failed')).map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['local_login_off', 'invalid_credentials']),
    );
  });

  it('accounts of the provider: marked so, no password, and not editable but for disabling and the default environment', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const app = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN] });
    await ssoLogin(app, provider, 'rui');
    const admin = await logIn(app, LOCAL_ADMIN.name);
    const accounts = json(await as(app, admin)({ method: 'GET', url: '/api/admin/accounts' })).accounts;
    expect(accounts).toEqual([
      expect.objectContaining({ name: 'local-admin', source: 'local', break_glass: false }),
      expect.objectContaining({ name: 'rui.desk', source: 'oidc', break_glass: false, role: 'registrar' }),
    ]);
    for (const payload of [{ role: 'admin' }, { environments: ['local'] }, { password: 'a-new-long-password' }, { break_glass: true }]) {
      refusal(await as(app, admin)({ method: 'PATCH', url: '/api/admin/accounts/rui.desk', payload }), 409, 'managed_by_provider');
    }
    const change = await as(
      app,
      admin,
    )({ method: 'PATCH', url: '/api/admin/accounts/rui.desk', payload: { default_environment: 'local' } });
    expect(change.statusCode).toBe(200);
    // It has no password: none logs it in, not even one typed for it.
    const password = await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'rui.desk', password: '!oidc' } });
    refusal(password, 401, 'invalid_credentials');
  });

  it('npm run user: marks break-glass accounts, lists where each account comes from, leaves the provider’s accounts to it', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const location = await testDataLocation();
    const app = await ssoConsole(provider.issuer, {
      accounts: [LOCAL_ADMIN],
      overrides: { dataDir: location.dataDir, databaseUrl: location.databaseUrl },
    });
    await ssoLogin(app, provider, 'rui');
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli/user.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...dataEnv(location) },
        input: '',
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    expect(run('set-break-glass', LOCAL_ADMIN.name, 'on')).toContain('local-admin is now a break-glass account.');
    const list = run('list');
    expect(list).toMatch(/local-admin\tadmin\tall\tactive\tlocal, break-glass\t/);
    expect(list).toMatch(/rui\.desk\tregistrar\tall\tactive\tidentity provider\t/);
    for (const args of [
      ['set-role', 'rui.desk', 'admin'],
      ['reset-password', 'rui.desk'],
      ['set-break-glass', 'rui.desk', 'on'],
    ]) {
      expect(() => run(...args)).toThrow(/comes from the identity provider/);
    }
  });

  it('the sign-in setting needs single sign-on', async () => {
    const app = await buildTestApp();
    refusal(
      await app.inject({ method: 'PUT', url: '/api/admin/sign-in', payload: { local_login: 'break_glass' } }),
      409,
      'sso_not_configured',
    );
    expect(json(await app.inject({ method: 'GET', url: '/api/admin/sign-in' }))).toEqual({ local_login: 'everyone', sso: null });
    expect((await sessionOf(app, undefined)).sso).toBeNull();
  });

  it('a new OIDC_ROLE_MAP is audited at start, once', async () => {
    const provider = await startLoopbackProvider({ publicUrl: PUBLIC_URL });
    const location = await testDataLocation();
    const overrides = { dataDir: location.dataDir, databaseUrl: location.databaseUrl };
    const first = await ssoConsole(provider.issuer, { accounts: [LOCAL_ADMIN], overrides });
    await first.close();
    const same = await ssoConsole(provider.issuer, { overrides });
    await same.close();
    const changed = await ssoConsole(provider.issuer, { env: { OIDC_ROLE_MAP: 'face-admins:admin,face-desk:support' }, overrides });
    const admin = await logIn(changed, LOCAL_ADMIN.name);
    expect((await auditOf(changed, admin, 'sso_role_map_changed')).map((e) => [e.actor, e.outcome])).toEqual([
      ['system:oidc', 'face-admins:admin,face-desk:support'],
      ['system:oidc', TEST_ROLE_MAP],
    ]);
  });
});

describe('the audit trail in words', () => {
  it('names every refusal of a login through the provider, and the new actions, in both languages', () => {
    for (const language of ['pt-BR', 'en'] as const) {
      for (const reason of [...SSO_ERRORS, 'sso', 'local_login_off', 'managed_by_provider', 'last_break_glass', 'no_break_glass_admin']) {
        expect(auditOutcomeText(reason, language), `${reason} in ${language}`).not.toBeNull();
      }
      for (const action of AUDIT_ACTIONS) expect(AUDIT_LABELS[language].actions[action]).toMatch(/\S/);
    }
  });
});

describe('single sign-on settings', () => {
  const issuer = 'https://login.example.com/realms/staff';
  it('reads a whole set, with defaults for the rest', () => {
    const { oidc } = loadConfig(ssoEnv(issuer, { OIDC_PROVIDER_NAME: '', OIDC_SCOPES: '' }));
    expect(oidc).toEqual({
      issuer,
      clientId: PROVIDER_CLIENT.id,
      clientSecret: PROVIDER_CLIENT.secret,
      publicUrl: PUBLIC_URL,
      roleMap: [
        { group: 'face-admins', role: 'admin', environments: null },
        { group: 'face-desk', role: 'registrar', environments: null },
        { group: 'face-support', role: 'support', environments: null },
        { group: 'face-qa', role: 'qa', environments: ['local', 'sandbox'] },
      ],
      groupsClaim: 'groups',
      providerName: 'login.example.com',
      scopes: 'openid profile email',
      sessionFollowsToken: true,
    });
    expect(loadConfig({}).oidc).toBeUndefined();
  });

  it('refuses half a set, naming what is missing, and settings of single sign-on without it', () => {
    expect(() => loadConfig({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'x' })).toThrow(
      /missing: OIDC_CLIENT_SECRET, OIDC_ROLE_MAP, PUBLIC_URL/,
    );
    expect(() => loadConfig({ OIDC_GROUPS_CLAIM: 'roles' })).toThrow(/OIDC_GROUPS_CLAIM: is a setting of single sign-on, which is off/);
  });

  it.each([
    [{ OIDC_ISSUER: 'http://idp.example.com' }, /OIDC_ISSUER: must be the provider's issuer URL/],
    [{ PUBLIC_URL: 'https://console.example.com/app' }, /PUBLIC_URL: must be the address of the console's root/],
    [{ PUBLIC_URL: 'console.example.com' }, /PUBLIC_URL: must be the console's address/],
    [{ OIDC_ROLE_MAP: 'face-admins:root' }, /OIDC_ROLE_MAP: "face-admins:root": write group:role/],
    [{ OIDC_ROLE_MAP: 'face-qa:qa:local+staging' }, /"staging" is not an environment/],
    [{ OIDC_ROLE_MAP: 'face-qa:qa:production' }, /the qa role never works in production/],
    [{ OIDC_ROLE_MAP: 'a:admin,a:support' }, /the group "a" is mapped twice/],
    [{ OIDC_ROLE_MAP: ' , ' }, /OIDC_ROLE_MAP: maps no group/],
    [{ OIDC_SCOPES: 'profile email' }, /OIDC_SCOPES: must include openid/],
    [{ OIDC_SESSION_FOLLOWS_TOKEN: 'maybe' }, /OIDC_SESSION_FOLLOWS_TOKEN: must be on or off/],
  ])('refuses %o with a message saying what to write', (wrong, message) => {
    expect(() => loadConfig(ssoEnv(issuer, wrong))).toThrow(message);
  });

  it('parses groups whose names hold colons, and limits to environments', () => {
    expect(parseRoleMap('urn:corp:face-admins:admin, CN=Desk,face-qa:qa:local+sandbox').errors).toEqual([
      '"CN=Desk": write group:role or group:role:env1+env2, the role one of admin, registrar, support, qa',
    ]);
    expect(parseRoleMap('urn:corp:face-admins:admin, face-qa:qa:local+sandbox').entries).toEqual([
      { group: 'urn:corp:face-admins', role: 'admin', environments: null },
      { group: 'face-qa', role: 'qa', environments: ['local', 'sandbox'] },
    ]);
  });
});
