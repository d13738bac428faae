import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { CONSENT_HEADER } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { hashPassword, verifyPassword } from '../access/passwords.ts';
import { openAccessStore } from '../access/open-store.ts';
import type { AccessStore } from '../access/store.ts';
import type { LoginThrottleSettings } from '../access/throttling.ts';
import { LOGIN_MAX_PER_ACCOUNT } from '../access/throttling.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import { CPF_A, TEST_PASSWORD, logIn, openTestAccessStore, refusal, seedAccounts, testDataLocation } from './helper.ts';
import { misbehavingUpstream } from './misbehaving-upstream.ts';

// The real scrypt, watched: how many passwords reach it, and a way to hold a hash half-way.
vi.mock('../access/passwords.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../access/passwords.ts')>();
  return { ...real, hashPassword: vi.fn(real.hashPassword), verifyPassword: vi.fn(real.verifyPassword) };
});
const realHash = (await vi.importActual<typeof import('../access/passwords.ts')>('../access/passwords.ts')).hashPassword;

/**
 * Races between requests of the console API: what a request was allowed when it began must not
 * outlive a change that lands while it runs (logout, password reset, disabling, demotion), and
 * limits must hold for requests that arrive together.
 */

const ACCOUNTS: Account[] = [
  { name: 'admin-1', role: 'admin', environments: null },
  { name: 'admin-2', role: 'admin', environments: null },
  { name: 'support-1', role: 'support', environments: null },
];

/** A promise, and the function that settles it: one request waits on it while the test acts. */
function latch(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A production QI Tech that holds each look-up until the test releases it. */
async function heldUpstream() {
  const arrived = latch();
  const released = latch();
  const upstream = await misbehavingUpstream((_request, response) => {
    arrived.open();
    void released.opened.then(() => {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ title: 'registration_not_found', description: 'No registration for this CPF.' }));
    });
  });
  onTestFinished(() => upstream.close());
  return { url: upstream.url, reached: arrived.opened, release: released.open };
}

async function consoleApp({
  accounts = ACCOUNTS,
  throttle,
  apiRateLimit,
}: { accounts?: Account[]; throttle?: Partial<LoginThrottleSettings>; apiRateLimit?: number } = {}): Promise<{
  app: FastifyInstance;
  store: AccessStore;
  release: () => void;
  reached: Promise<void>;
}> {
  const upstream = await heldUpstream();
  const config = {
    ...loadConfig({}),
    ...(await testDataLocation()),
    localEmulator: false,
    production: { url: upstream.url, apiKey: 'k' },
    ...(apiRateLimit === undefined ? {} : { apiRateLimit }),
  };
  const store = await openAccessStore(config);
  await seedAccounts(store, accounts);
  const app = await buildServer({ config, access: store, logger: false, ...(throttle === undefined ? {} : { loginThrottle: throttle }) });
  onTestFinished(async () => {
    await app.close();
  });
  await app.ready();
  vi.mocked(verifyPassword).mockClear();
  vi.mocked(hashPassword).mockClear();
  return { app, store, release: upstream.release, reached: upstream.reached };
}

function as(app: FastifyInstance, cookie: string | undefined) {
  return (options: InjectOptions) =>
    app.inject({
      ...options,
      headers: { ...(cookie === undefined ? {} : { cookie }), [CONSENT_HEADER]: CONSENT_TERM.version, ...options.headers },
    });
}

const LOOKUP = { method: 'GET', url: `/api/production/face_recognition/registration/document_number/${CPF_A}` } as const;
const ENVIRONMENTS = { method: 'GET', url: '/api/environments' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const login = (name: string, password: string, remoteAddress = '127.0.0.1'): InjectOptions => ({
  method: 'POST',
  url: '/api/session',
  remoteAddress,
  payload: { name, password },
});

describe('a session ended while one of its requests is in flight stays ended', () => {
  it('after a logout: the request finishing does not bring the old cookie back', async () => {
    const { app, reached, release } = await consoleApp();
    const support = as(app, await logIn(app, 'support-1'));
    const slow = support(LOOKUP);
    await reached;
    expect((await support({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
    release();
    // It began while logged in: it is answered; its answer saves the session no more.
    expect((await slow).statusCode).toBe(404);
    refusal(await support(ENVIRONMENTS), 401, 'session_expired');
  });

  it('after a password reset by an admin: the old cookie is refused once the request ends', async () => {
    const { app, reached, release } = await consoleApp();
    const support = as(app, await logIn(app, 'support-1'));
    const admin = as(app, await logIn(app, 'admin-1'));
    const slow = support(LOOKUP);
    await reached;
    const reset = await admin({ method: 'PATCH', url: '/api/admin/accounts/support-1', payload: { password: 'another-long-password' } });
    expect(reset.statusCode).toBe(200);
    release();
    expect((await slow).statusCode).toBe(404);
    refusal(await support(ENVIRONMENTS), 401, 'session_expired');
    // The new password works; the admin's own session went on.
    expect((await app.inject(login('support-1', 'another-long-password'))).statusCode).toBe(200);
    expect((await admin(ENVIRONMENTS)).statusCode).toBe(200);
  });
});

describe('a login whose password is being checked when the account changes', () => {
  it('makes no session: the reset (or disabling) that landed meanwhile wins', async () => {
    const { app, store } = await consoleApp();
    const checking = latch();
    const gate = latch();
    const realVerify = (await vi.importActual<typeof import('../access/passwords.ts')>('../access/passwords.ts')).verifyPassword;
    vi.mocked(verifyPassword).mockImplementationOnce(async (password, stored) => {
      checking.open();
      await gate.opened;
      return realVerify(password, stored);
    });
    const pending = app.inject(login('support-1', TEST_PASSWORD));
    await checking.opened;
    await store.updateAccount('support-1', { passwordHash: await realHash('a-new-long-password') });
    gate.open();
    const refused = await pending;
    refusal(refused, 409, 'account_changed');
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect((await store.queryAudit({ limit: 1 }))[0]).toMatchObject({
      actor: 'support-1',
      action: 'login_failed',
      outcome: 'account_changed',
    });
  });
});

describe('an admin’s rights are checked when the change is written', () => {
  /**
   * One change made, the other refused: 403 when its admin was demoted or disabled while it ran
   * (the usual interleaving: both begin before either writes), 401 if that happened before it began.
   */
  const expectOneWinner = (answers: LightMyRequestResponse[]) => {
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
    const lost = answers.find((a) => a.statusCode !== 200);
    if (lost === undefined) return;
    if (lost.statusCode === 401) refusal(lost, 401, 'session_expired');
    else expect(refusal(lost, 403, 'forbidden').description).toMatch(/no longer an enabled administrator/);
  };

  it('two admins demoting each other at once: exactly one change is made, one admin remains', async () => {
    const { app, store } = await consoleApp();
    const one = as(app, await logIn(app, 'admin-1'));
    const two = as(app, await logIn(app, 'admin-2'));
    const answers = await Promise.all([
      one({ method: 'PATCH', url: '/api/admin/accounts/admin-2', payload: { role: 'registrar' } }),
      two({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { role: 'registrar' } }),
    ]);
    expectOneWinner(answers);
    expect((await store.listAccounts()).filter((a) => a.role === 'admin' && !a.disabled)).toHaveLength(1);
  });

  it('two admins disabling each other at once: one admin remains enabled', async () => {
    const { app, store } = await consoleApp();
    const one = as(app, await logIn(app, 'admin-1'));
    const two = as(app, await logIn(app, 'admin-2'));
    const answers = await Promise.all([
      one({ method: 'PATCH', url: '/api/admin/accounts/admin-2', payload: { disabled: true } }),
      two({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { disabled: true } }),
    ]);
    expectOneWinner(answers);
    expect((await store.listAccounts()).filter((a) => a.role === 'admin' && !a.disabled)).toHaveLength(1);
  });

  it('the last enabled admin cannot be demoted nor disabled, whoever asks', async () => {
    const store = await openTestAccessStore();
    await store.createAccount({ name: 'ana', role: 'admin', environments: null }, 'x');
    await store.createAccount({ name: 'bia', role: 'admin', environments: null }, 'x');
    await store.updateAccount('bia', { disabled: true });
    const demoted = await store.updateAccount('ana', { role: 'support' });
    const disabled = await store.updateAccount('ana', { disabled: true });
    expect(await store.findAccount('ana')).toMatchObject({ role: 'admin', disabled: false });
    expect([demoted, disabled]).toEqual(['last_admin', 'last_admin']);
    // Other changes of the last admin, and changes of others, go on.
    expect(await store.updateAccount('ana', { environments: ['local'] })).toBe('updated');
    expect(await store.updateAccount('bia', { disabled: false })).toBe('updated');
    expect(await store.updateAccount('ana', { disabled: true })).toBe('updated');
  });

  it('an admin disabled while their new account’s password is being hashed creates nothing', async () => {
    const { app, store } = await consoleApp();
    const one = as(app, await logIn(app, 'admin-1'));
    const two = as(app, await logIn(app, 'admin-2'));
    const hashing = latch();
    const gate = latch();
    vi.mocked(hashPassword).mockImplementationOnce(async (password) => {
      hashing.open();
      await gate.opened;
      return realHash(password);
    });
    const create = one({
      method: 'POST',
      url: '/api/admin/accounts',
      payload: { name: 'new-admin', password: 'a-long-password', role: 'admin' },
    });
    await hashing.opened;
    expect((await two({ method: 'PATCH', url: '/api/admin/accounts/admin-1', payload: { disabled: true } })).statusCode).toBe(200);
    gate.open();
    const refused = refusal(await create, 403, 'forbidden');
    expect(refused.description).toMatch(/admin-1 is no longer an enabled administrator/);
    expect(await store.findAccount('new-admin')).toBeUndefined();
    // And its session, ended by the disabling, was not saved again by that request.
    refusal(await one(ENVIRONMENTS), 401, 'session_expired');
  });
});

describe('login throttling holds for attempts that arrive together', () => {
  it(`60 parallel wrong passwords for one account: at most ${String(LOGIN_MAX_PER_ACCOUNT)} are checked, the rest refused 429`, async () => {
    // A wait after the free failures longer than the test: what is counted is what arrived together.
    const { app } = await consoleApp({ throttle: { firstDelayMs: 60_000 } });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => app.inject(login('support-1', `wrong-${String(i)}`, `10.0.${String(i)}.1`))),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_MAX_PER_ACCOUNT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - LOGIN_MAX_PER_ACCOUNT);
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(LOGIN_MAX_PER_ACCOUNT);
  });

  it('from one address too, whatever the names', async () => {
    const { app } = await consoleApp();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => app.inject(login(`nobody-${String(i)}`, 'wrong'))));
    expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(20);
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(20);
  });
});

describe('failed logins from elsewhere slow an account down, they do not lock its owner out', () => {
  it('after the free failures, attempts wait a growing delay (refused unchecked meanwhile); the right password after it logs in', async () => {
    const { app } = await consoleApp({ throttle: { firstDelayMs: 800, maxDelayMs: 5_000 } });
    for (let i = 0; i < LOGIN_MAX_PER_ACCOUNT; i += 1) {
      refusal(await app.inject(login('support-1', 'guess', `10.1.0.${String(i)}`)), 401, 'invalid_credentials');
    }
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(LOGIN_MAX_PER_ACCOUNT);
    // During the delay: refused with Retry-After, and no password is checked, the right one included.
    const attacker = await app.inject(login('support-1', 'another guess', '10.1.0.99'));
    const body = refusal(attacker, 429, 'too_many_attempts');
    expect(attacker.headers['retry-after']).toBe('1');
    expect(body.retry_after_seconds).toBe(1);
    expect(body.description).toMatch(/Try again in 1 second/);
    refusal(await app.inject(login('support-1', TEST_PASSWORD, '192.168.0.7')), 429, 'too_many_attempts');
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(LOGIN_MAX_PER_ACCOUNT);

    // After it, one more guess is checked, and the next wait is longer (doubled).
    await sleep(900);
    refusal(await app.inject(login('support-1', 'guess again', '10.1.0.98')), 401, 'invalid_credentials');
    refusal(await app.inject(login('support-1', TEST_PASSWORD, '192.168.0.7')), 429, 'too_many_attempts');
    await sleep(900);
    refusal(await app.inject(login('support-1', TEST_PASSWORD, '192.168.0.7')), 429, 'too_many_attempts');
    await sleep(800);

    // The owner, once the wait is over, logs in; the failures are then forgotten.
    expect((await app.inject(login('support-1', TEST_PASSWORD, '192.168.0.7'))).statusCode).toBe(200);
    refusal(await app.inject(login('support-1', 'guess', '10.1.0.5')), 401, 'invalid_credentials');
  });
});

describe('the first admin’s setup', () => {
  it('three concurrent setups with the token make one admin; the others are told setup is over', async () => {
    const { app, store } = await consoleApp({ accounts: [] });
    const token = app.setupToken ?? '';
    const answers = await Promise.all(
      ['ana', 'bia', 'eva'].map((name) =>
        app.inject({ method: 'POST', url: '/api/setup', payload: { token, name, password: 'a-long-password' } }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 404, 404]);
    for (const answer of answers.filter((a) => a.statusCode === 404)) refusal(answer, 404, 'setup_not_available');
    expect(await store.listAccounts()).toHaveLength(1);
  });
});

describe('who may ask is settled before the body is read', () => {
  /** `depth` nested arrays: valid JSON that costs the parser, and the same cut short, which only a parser notices. */
  const nested = (depth: number) => `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const broken = (depth: number) => `{"name":${'['.repeat(depth)}`;

  it('refuses an anonymous body to a route that needs a login with 401, unparsed, and audits it as before', async () => {
    const { app, store } = await consoleApp();
    const headers = { 'content-type': 'application/json' };
    for (const url of ['/api/admin/accounts', '/api/production/face_recognition/image', '/api/nowhere']) {
      // A parser would answer the broken one 406 (or 413 above the limit): it is never read.
      for (const payload of [nested(400_000), broken(900_000)]) {
        refusal(await app.inject({ method: 'POST', url, headers, payload }), 401, 'not_authenticated');
      }
    }
    const trail = (await store.queryAudit({ limit: 50 })).map((e) => [e.actor, e.action, e.environment, e.outcome, e.status]);
    expect(trail).toEqual([
      [null, 'image', 'production', 'not_authenticated', 401],
      [null, 'image', 'production', 'not_authenticated', 401],
      [null, 'access_refused', null, 'not_authenticated', 401],
      [null, 'access_refused', null, 'not_authenticated', 401],
    ]);
    // A logged-in admin's body is read, and refused as what it is.
    const admin = as(app, await logIn(app, 'admin-1'));
    refusal(await admin({ method: 'POST', url: '/api/admin/accounts', headers, payload: broken(100) }), 406, 'invalid_json');
    const tooLarge = refusal(
      await admin({ method: 'POST', url: '/api/admin/accounts', headers, payload: broken(900_000) }),
      413,
      'payload_too_large',
    );
    expect(tooLarge.description).toMatch(/at most 16,384 bytes/);
  });

  it('refuses JSON nested absurdly deep without parsing it, even from a logged-in account on a picture route', async () => {
    const { app } = await consoleApp();
    const admin = as(app, await logIn(app, 'admin-1'));
    const headers = { 'content-type': 'application/json' };
    const url = '/api/production/face_recognition/image';
    // Parsed, it would be refused for what it holds (400 invalid_image): it is refused for its shape.
    const deep = refusal(
      await admin({ method: 'POST', url, headers, payload: `{"image":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}` }),
      406,
      'invalid_json',
    );
    expect(deep.description).toMatch(/nests arrays or objects more than 32 deep/);
    refusal(await admin({ method: 'POST', url, headers, payload: '{"image":[[["x"]]]}' }), 400, 'invalid_image');
    // Brackets inside strings are text, not nesting.
    refusal(await admin({ method: 'POST', url, headers, payload: JSON.stringify({ image: '['.repeat(100) }) }), 400, 'invalid_image');
  });

  it('answers an address over its rate limit 429 before its body is read', async () => {
    const { app } = await consoleApp({ apiRateLimit: 3 });
    for (let i = 0; i < 3; i += 1) expect((await app.inject({ method: 'GET', url: '/api/session' })).statusCode).toBe(200);
    const headers = { 'content-type': 'application/json' };
    refusal(await app.inject({ method: 'POST', url: '/api/session', headers, payload: broken(10_000) }), 429, 'rate_limited');
    refusal(await app.inject({ method: 'POST', url: '/api/admin/accounts', headers, payload: broken(10_000) }), 429, 'rate_limited');
  });
});
