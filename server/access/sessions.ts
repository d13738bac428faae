import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Account } from '../../contract/access.ts';
import { LOGIN_WINDOW_MS } from './throttling.ts';
import type { LoginThrottleSettings } from './throttling.ts';
import type { AccessStore, StoredAccount } from './store.ts';

declare module 'fastify' {
  interface Session {
    /** The account's name; absent until a login. */
    account?: string;
    /** When the login happened (ms): the absolute lifetime counts from here. */
    loggedInAt?: number;
    /** The session ends at this time (ms) at the latest: the ID token's `exp` of a login through the provider. */
    endsAt?: number;
    /** A login through the provider: its ID token, sent back as `id_token_hint` when the person logs out. */
    idToken?: string;
  }
  interface FastifyRequest {
    /** The logged-in account, resolved once per /api request; null: nobody. */
    account: Account | null;
    /** Why there is no account although a session cookie came: it expired. */
    sessionExpired: boolean;
  }
}

export const SESSION_COOKIE = 'frc_session';

export interface AccessOptions {
  store: AccessStore;
  /** Signs the session cookie (@fastify/session wants 32+ characters). */
  secret: string;
  /** A session unused for this long ends (the cookie's Max-Age, renewed by each request). */
  idleMs: number;
  /** A session ends this long after its login, however active. */
  maxMs: number;
  /** Other numbers for the login throttling than throttling.ts's (tests). */
  loginThrottle?: Partial<LoginThrottleSettings> | undefined;
}

export function publicAccount(account: StoredAccount | Account): Account {
  return { name: account.name, role: account.role, environments: account.environments };
}

/**
 * Opens the console's session for an account whose password (or the provider) was just checked:
 * a new session id (one planted before the login is worth nothing after), its row made only if the
 * account was not disabled nor its password changed meanwhile (false then, and no session), the
 * login's time recorded. The same for every way in.
 */
export async function openSession(
  request: FastifyRequest,
  store: AccessStore,
  idleMs: number,
  account: StoredAccount,
  provider?: { idToken: string; endsAt: number | undefined },
): Promise<boolean> {
  await request.session.regenerate();
  request.session.cookie.secure = request.protocol === 'https';
  request.session.account = account.name;
  request.session.loggedInAt = Date.now();
  if (provider !== undefined) {
    request.session.idToken = provider.idToken;
    if (provider.endsAt !== undefined) request.session.endsAt = provider.endsAt;
  }
  // The session's row is made here and only here (the store's save never makes one).
  if (!(await store.createSession(request.session.sessionId, request.session, Date.now() + idleMs, account))) {
    await request.session.destroy();
    return false;
  }
  await store.recordLogin(account.name);
  request.account = publicAccount(account);
  return true;
}

/**
 * Sessions (cookie `frc_session` on /api: httpOnly, SameSite=Strict, Secure over HTTPS; the
 * session itself in the store's database, read on every request: with DATABASE_URL a session made
 * on one instance is one on all, and one ended on any is ended on all), and the account of each
 * /api request. Registered with fastify-plugin inside the /api scope: its decorations and hooks
 * reach that scope's routes, and no other (the emulator's prefix, the SPA's files).
 */
export const sessions = fp<AccessOptions>(async (app, options) => {
  const { store } = options;
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: options.secret,
    cookieName: SESSION_COOKIE,
    // `secure: 'auto'` would also turn SameSite down to Lax over HTTP; Secure is set per request below.
    cookie: { path: '/api', httpOnly: true, sameSite: 'strict', secure: false, maxAge: options.idleMs },
    rolling: true,
    saveUninitialized: false,
    store: {
      get: (id, callback) => {
        store.getSession(id).then(
          (session) => {
            callback(null, session as never);
          },
          (error: unknown) => {
            callback(error);
          },
        );
      },
      // Only updates a session that exists: see AccessStore.setSession.
      set: (id, session, callback) => {
        store.setSession(id, session, Date.now() + options.idleMs).then(
          () => {
            callback();
          },
          (error: unknown) => {
            callback(error);
          },
        );
      },
      destroy: (id, callback) => {
        store.destroySession(id).then(
          () => {
            callback();
          },
          (error: unknown) => {
            callback(error);
          },
        );
      },
    },
  });

  app.decorateRequest('account', null);
  app.decorateRequest('sessionExpired', false);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    // Secure when the console is reached over HTTPS (directly, or through a proxy with TRUST_PROXY).
    request.session.cookie.secure = request.protocol === 'https';
    const cookieCame = request.cookies[SESSION_COOKIE] !== undefined;
    const name = request.session.account;
    if (name === undefined) {
      request.sessionExpired = cookieCame;
      return;
    }
    // With the session's row, in one read: a session ended meanwhile (on any instance) is expired here.
    const account = await store.sessionAccount(request.session.sessionId, name);
    const now = Date.now();
    const tooOld = now - (request.session.loggedInAt ?? 0) > options.maxMs || now >= (request.session.endsAt ?? Infinity);
    if (account === undefined || account.disabled || tooOld) {
      await request.session.destroy();
      request.sessionExpired = true;
      return;
    }
    request.account = publicAccount(account);
  });

  const prune = setInterval(() => {
    Promise.all([store.pruneSessions(), store.pruneLoginFailures(Date.now() - LOGIN_WINDOW_MS)]).catch((error: unknown) => {
      app.log.warn({ err: error }, 'pruning ended sessions and old login failures failed; the next round tries again');
    });
  }, 10 * 60_000);
  prune.unref();
  app.addHook('onClose', () => {
    clearInterval(prune);
  });
});
