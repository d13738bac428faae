import { randomBytes } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { environmentChoiceSchema, loginRequestSchema, mayUse } from '../../contract/access.ts';
import { setupRequestSchema } from '../../contract/access-admin.ts';
import type { Account, SessionAccount, SessionAnswer } from '../../contract/access.ts';
import { Problem, methodNotAllowed, parseOrRefuse, requireBody } from '../lib/problem.ts';
import type { AccessGuard } from './guard.ts';
import type { RelyingParty } from './oidc.ts';
import { UNUSABLE_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { SESSION_COOKIE, openSession, publicAccount } from './sessions.ts';
import type { AccessOptions } from './sessions.ts';
import { setupTokenHash } from './store.ts';
import type { StoredAccount } from './store.ts';
import { loginThrottle } from './throttling.ts';

/** A setup token: printed at start when no account exists; valid on every instance until the first admin is made. */
export function newSetupToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * /api/session (log in, out, who) and /api/setup (the first admin). Registered inside the /api
 * scope, after `sessions`.
 */
export const sessionRoutes: FastifyPluginCallback<AccessOptions & { guard: AccessGuard; rp: RelyingParty | undefined }> = (
  app,
  options,
  done,
) => {
  const { store, guard, rp } = options;
  const loginRefusal = (request: FastifyRequest, name: string, outcome: string, status: number, known: boolean) =>
    // The name typed is kept only when it is an account's: a password typed in the wrong field stays out.
    store.appendAudit({ actor: known ? name : null, action: 'login_failed', outcome, status, address: request.ip });

  const throttle = loginThrottle(store, options.loginThrottle);

  const logIn = async (request: FastifyRequest, account: StoredAccount) => {
    // Only if the account was not disabled nor its password changed while the password was being checked.
    if (!(await openSession(request, store, options.idleMs, account))) {
      await loginRefusal(request, account.name, 'account_changed', 409, true);
      throw new Problem(
        409,
        'account_changed',
        'The account was changed while you were logging in (disabled, or a new password). Log in again.',
      );
    }
  };

  // Reached without a login: the only /api routes that are (guard.ts, refuseAnonymous).
  const anyone = { config: { public: true } } as const;

  /** The account as the SPA needs it: with where it opens when the address names no environment. */
  const withEnvironments = async (account: Account): Promise<SessionAccount> => {
    const stored = await store.findAccount(account.name);
    return {
      ...account,
      last_environment: stored?.lastEnvironment ?? null,
      default_environment: stored?.defaultEnvironment ?? null,
      source: stored?.source ?? 'local',
    };
  };

  app.get('/session', anyone, async (request): Promise<SessionAnswer> => ({
    account: request.account === null ? null : await withEnvironments(request.account),
    setup_required: (await store.countAccounts()) === 0,
    sso: rp === undefined ? null : { provider: rp.settings.providerName, local_login: await store.localLogin() },
  }));

  // The person chose an environment in the console's selector: the console opens in it next time
  // (after a login, or on an address that names none). Not audited: it reaches no customer's data.
  app.put('/session/environment', async (request, reply) => {
    const account = guard.authenticate(request);
    const { environment } = parseOrRefuse(environmentChoiceSchema, requireBody(request));
    if (!mayUse(account, environment)) {
      throw new Problem(
        403,
        'environment_forbidden',
        `The account ${account.name} may not work in the ${environment} environment. Choose another environment, or ask an administrator.`,
      );
    }
    await store.recordEnvironmentChoice(account.name, environment);
    return reply.code(204).send();
  });
  methodNotAllowed(app, '/session/environment', ['PUT']);

  app.post('/session', anyone, async (request) => {
    const body = parseOrRefuse(loginRequestSchema, requireBody(request));
    const name = body.name.trim().toLowerCase();
    // Counted before the password is checked: parallel guesses beyond the limit are never hashed.
    const refusal = await throttle.begin(name, request.ip);
    if (refusal !== undefined) {
      await loginRefusal(request, name, refusal.title, refusal.statusCode, (await store.findAccount(name)) !== undefined);
      throw refusal;
    }
    const account = await store.findAccount(name);
    // An account of the provider has no password: checked against one no password matches, in the same time.
    const valid = await verifyPassword(body.password, account?.source === 'local' ? account.passwordHash : UNUSABLE_HASH);
    if (account === undefined || !valid) {
      await loginRefusal(request, name, 'invalid_credentials', 401, account !== undefined);
      throw new Problem(401, 'invalid_credentials', 'The name or the password is not right. Check both and try again.');
    }
    await throttle.succeeded(name);
    if (account.disabled) {
      await loginRefusal(request, name, 'account_disabled', 403, true);
      throw new Problem(403, 'account_disabled', 'This account is disabled. Ask an administrator.');
    }
    // With single sign-on, an admin may keep passwords for break-glass accounts only (checked once
    // the password is right: which accounts are break-glass is no one else's business).
    if (rp !== undefined && !account.breakGlass && (await store.localLogin()) === 'break_glass') {
      await loginRefusal(request, name, 'local_login_off', 403, true);
      throw new Problem(
        403,
        'local_login_off',
        `Logging in with a password is off for this account: use "Entrar com ${rp.settings.providerName}". If ${rp.settings.providerName} is down, an administrator's break-glass account can still log in.`,
      );
    }
    await logIn(request, account);
    await guard.audit(request, { action: 'login', outcome: 'ok', status: 200 });
    return { account: await withEnvironments(publicAccount(account)) };
  });

  // A session opened through the provider also ends at the provider when it publishes how
  // (RP-initiated logout): the answer names the address the SPA sends the browser to.
  app.delete('/session', anyone, async (request, reply) => {
    const { idToken } = request.session;
    const endSessionUrl =
      request.account === null || idToken === undefined || rp === undefined ? undefined : await rp.endSessionUrl(idToken);
    if (request.account !== null) {
      await guard.audit(request, { action: 'logout', outcome: 'ok', status: endSessionUrl === undefined ? 204 : 200 });
    }
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return endSessionUrl === undefined ? reply.code(204).send() : { end_session_url: endSessionUrl };
  });
  methodNotAllowed(app, '/session', ['GET', 'POST', 'DELETE'], anyone.config);

  app.post('/setup', anyone, async (request, reply) => {
    const body = parseOrRefuse(setupRequestSchema, requireBody(request));
    const notAvailable = () =>
      new Problem(404, 'setup_not_available', 'The console already has accounts: log in, or ask an administrator for one.');
    const invalidToken = () =>
      new Problem(403, 'invalid_setup_token', 'This setup link is not valid. Use the link the server printed when it started.');
    if ((await store.countAccounts()) > 0) throw notAvailable();
    // Only its hash is kept: compared in the database, whichever instance printed it.
    const tokenHash = setupTokenHash(body.token);
    if (!(await store.setupTokenValid(tokenHash))) throw invalidToken();
    const account: Account = { name: body.name, role: 'admin', environments: null };
    const hash = await hashPassword(body.password);
    // Checked again with the write, in one transaction: of concurrent setups (on any instance), one makes the admin.
    const created = await store.createFirstAdmin(account, hash, tokenHash);
    if (created === 'not_available') throw notAvailable();
    if (created === 'invalid_token') throw invalidToken();
    const stored = await store.findAccount(account.name);
    if (stored === undefined) throw new Error('the first admin was not stored');
    await logIn(request, stored);
    await guard.audit(request, { action: 'setup', outcome: 'ok', status: 201 });
    return reply.code(201).send({ account: publicAccount(stored) });
  });
  methodNotAllowed(app, '/setup', ['POST'], anyone.config);
  done();
};
