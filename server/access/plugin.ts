import { randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  accountChangeSchema,
  auditQuerySchema,
  can,
  loginRequestSchema,
  mayUse,
  newAccountSchema,
  setupRequestSchema,
} from '../../contract/access.ts';
import type { Account, AuditEntry, Capability, SessionAnswer } from '../../contract/access.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { Problem, methodNotAllowed, parseOrRefuse, requireBody } from '../lib/problem.ts';
import { UNUSABLE_HASH, hashPassword, verifyPassword } from './passwords.ts';
import type { AccessStore, NewAuditEntry, StoredAccount } from './store.ts';

declare module 'fastify' {
  interface Session {
    /** The account's name; absent until a login. */
    account?: string;
    /** When the login happened (ms): the absolute lifetime counts from here. */
    loggedInAt?: number;
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
  /** The one-time token of /api/setup, while no account exists (undefined: setup is closed). */
  setupToken: string | undefined;
}

/** Failed logins: at most 5 per account and 20 per address within 15 minutes. */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_PER_ACCOUNT = 5;
export const LOGIN_MAX_PER_ADDRESS = 20;

export function publicAccount(account: StoredAccount | Account): Account {
  return { name: account.name, role: account.role, environments: account.environments };
}

/**
 * Sessions (cookie `frc_session` on /api: httpOnly, SameSite=Strict, Secure over HTTPS; the
 * session itself in SQLite), and the account of each /api request. Registered with fastify-plugin
 * so its decorations and hooks reach the /api scope.
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
        try {
          callback(null, store.getSession(id) as never);
        } catch (error) {
          callback(error);
        }
      },
      set: (id, session, callback) => {
        try {
          store.setSession(id, session, Date.now() + options.idleMs);
          callback();
        } catch (error) {
          callback(error);
        }
      },
      destroy: (id, callback) => {
        try {
          store.destroySession(id);
          callback();
        } catch (error) {
          callback(error);
        }
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
    const account = store.findAccount(name);
    const tooOld = Date.now() - (request.session.loggedInAt ?? 0) > options.maxMs;
    if (account === undefined || account.disabled || tooOld) {
      await request.session.destroy();
      request.sessionExpired = true;
      return;
    }
    request.account = publicAccount(account);
  });

  const prune = setInterval(() => {
    store.pruneSessions();
    store.pruneLoginFailures(Date.now() - LOGIN_WINDOW_MS);
  }, 10 * 60_000);
  prune.unref();
  app.addHook('onClose', () => {
    clearInterval(prune);
  });
});

export interface AccessGuard {
  /** The account, or a 401/403 Problem (audited) when it may not do this here. */
  require(request: FastifyRequest, capability: Capability, environment?: EnvironmentName): Account;
  audit(request: FastifyRequest, entry: Omit<NewAuditEntry, 'actor' | 'address'>): void;
}

export function accessGuard(store: AccessStore): AccessGuard {
  const audit: AccessGuard['audit'] = (request, entry) => {
    store.appendAudit({ ...entry, actor: request.account?.name ?? null, address: request.ip });
  };
  return {
    audit,
    require(request, capability, environment) {
      const { account } = request;
      if (account === null) {
        throw request.sessionExpired
          ? new Problem(
              401,
              'session_expired',
              'Your session has ended (unused for too long, or past its lifetime). Log in again to continue.',
            )
          : new Problem(401, 'not_authenticated', 'Log in to use the console.');
      }
      if (!can(account, capability)) {
        throw new Problem(
          403,
          'forbidden',
          `The ${account.role} role cannot ${CAPABILITY_TEXT[capability]}. Ask an administrator if your work needs it.`,
        );
      }
      if (environment !== undefined && !mayUse(account, environment)) {
        throw new Problem(
          403,
          'environment_forbidden',
          `The account ${account.name} may not work in the ${environment} environment. Choose another environment, or ask an administrator.`,
        );
      }
      return account;
    },
  };
}

const CAPABILITY_TEXT: Record<Capability, string> = {
  register: 'register faces',
  lookup: 'look registrations up',
  audit: 'read the audit trail',
  accounts: 'manage accounts',
};

function toCsv(entries: AuditEntry[]): string {
  const columns = [
    'id',
    'at',
    'actor',
    'action',
    'environment',
    'cpf_masked',
    'registration_key',
    'outcome',
    'status',
    'consent_term',
    'address',
  ] as const;
  const cell = (value: string | number | null): string => {
    if (value === null) return '';
    let text = String(value);
    // A spreadsheet runs a cell that starts like a formula: keep it text (OWASP CSV injection).
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  // Read by people in a spreadsheet: the override says what it means, not only the check's status.
  const override = (entry: AuditEntry) => (entry.face_check_override === null ? null : `sent despite ${entry.face_check_override}`);
  const lines = [
    [...columns, 'face_check_override'].join(','),
    ...entries.map((entry) => [...columns.map((column) => cell(entry[column])), cell(override(entry))].join(',')),
  ];
  // A byte-order mark so spreadsheet programs read the UTF-8 as such.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Turns the query's dates into the trail's bounds: `to` as a date takes in its whole day (UTC). */
function auditFilter(query: unknown) {
  const q = parseOrRefuse(auditQuerySchema, query);
  const instant = (value: string | undefined, endOfDay: boolean, field: string) => {
    if (value === undefined || value === '') return undefined;
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
    if (Number.isNaN(date.getTime()))
      throw new Problem(400, 'invalid_request', `${field} must be a date (2026-11-26) or a date-time in ISO 8601.`);
    if (endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value)) date.setUTCDate(date.getUTCDate() + 1);
    return date.toISOString();
  };
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new Problem(400, 'invalid_request', 'limit must be a whole number from 1 to 500.');
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && !Number.isInteger(before)) throw new Problem(400, 'invalid_request', 'before must be an entry id.');
  return {
    ...(q.from === undefined ? {} : { from: instant(q.from, false, 'from') }),
    ...(q.to === undefined ? {} : { to: instant(q.to, true, 'to') }),
    ...(q.user === undefined || q.user === '' ? {} : { user: q.user.trim().toLowerCase() }),
    ...(q.cpf === undefined || q.cpf === '' ? {} : { cpf: q.cpf }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(before === undefined ? {} : { before }),
    limit,
  };
}

/**
 * /api/session (log in, out, who), /api/setup (the first admin), /api/admin/* (accounts, audit).
 * Registered inside the /api scope, after `sessions`.
 */
export const accessRoutes: FastifyPluginCallback<AccessOptions & { guard: AccessGuard }> = (app: FastifyInstance, options, done) => {
  const { store, guard } = options;
  const loginRefusal = (request: FastifyRequest, name: string, outcome: string, status: number, known: boolean) => {
    // The name typed is kept only when it is an account's: a password typed in the wrong field stays out.
    store.appendAudit({ actor: known ? name : null, action: 'login_failed', outcome, status, address: request.ip });
  };

  const throttled = (name: string, address: string): Problem | undefined => {
    const now = Date.now();
    const since = now - LOGIN_WINDOW_MS;
    for (const [column, value, max] of [
      ['account', name, LOGIN_MAX_PER_ACCOUNT],
      ['address', address, LOGIN_MAX_PER_ADDRESS],
    ] as const) {
      const failures = store.loginFailures(column, value, since);
      if (failures.count >= max && failures.oldest !== null) {
        const seconds = Math.max(1, Math.ceil((failures.oldest + LOGIN_WINDOW_MS - now) / 1000));
        return new Problem(
          429,
          'too_many_attempts',
          `Too many failed logins ${column === 'account' ? 'for this account' : 'from this address'}. Try again in ${String(Math.ceil(seconds / 60))} minute(s), or ask an administrator to reset the password.`,
          { headers: { 'retry-after': String(seconds) }, extra: { retry_after_seconds: seconds } },
        );
      }
    }
    return undefined;
  };

  const logIn = async (request: FastifyRequest, account: StoredAccount) => {
    // A new session id at login: a session id planted before it is worth nothing after.
    await request.session.regenerate();
    request.session.cookie.secure = request.protocol === 'https';
    request.session.account = account.name;
    request.session.loggedInAt = Date.now();
    store.recordLogin(account.name);
    request.account = publicAccount(account);
  };

  app.get('/session', (request): SessionAnswer => ({ account: request.account, setup_required: store.countAccounts() === 0 }));

  app.post('/session', async (request) => {
    const body = parseOrRefuse(loginRequestSchema, requireBody(request));
    const name = body.name.trim().toLowerCase();
    const refusal = throttled(name, request.ip);
    if (refusal !== undefined) {
      loginRefusal(request, name, refusal.title, refusal.statusCode, store.findAccount(name) !== undefined);
      throw refusal;
    }
    const account = store.findAccount(name);
    const valid = await verifyPassword(body.password, account?.passwordHash ?? UNUSABLE_HASH);
    if (account === undefined || !valid) {
      store.recordLoginFailure(name, request.ip);
      loginRefusal(request, name, 'invalid_credentials', 401, account !== undefined);
      throw new Problem(401, 'invalid_credentials', 'The name or the password is not right. Check both and try again.');
    }
    if (account.disabled) {
      loginRefusal(request, name, 'account_disabled', 403, true);
      throw new Problem(403, 'account_disabled', 'This account is disabled. Ask an administrator.');
    }
    store.clearLoginFailures(name);
    await logIn(request, account);
    guard.audit(request, { action: 'login', outcome: 'ok', status: 200 });
    return { account: publicAccount(account) };
  });

  app.delete('/session', async (request, reply) => {
    if (request.account !== null) guard.audit(request, { action: 'logout', outcome: 'ok', status: 204 });
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return reply.code(204).send();
  });
  methodNotAllowed(app, '/session', ['GET', 'POST', 'DELETE']);

  app.post('/setup', async (request, reply) => {
    const body = parseOrRefuse(setupRequestSchema, requireBody(request));
    if (options.setupToken === undefined || store.countAccounts() > 0) {
      throw new Problem(404, 'setup_not_available', 'The console already has accounts: log in, or ask an administrator for one.');
    }
    const expected = Buffer.from(options.setupToken);
    const given = Buffer.from(body.token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new Problem(403, 'invalid_setup_token', 'This setup link is not valid. Use the link the server printed when it started.');
    }
    const account: Account = { name: body.name, role: 'admin', environments: null };
    if (!store.createAccount(account, await hashPassword(body.password))) {
      throw new Problem(404, 'setup_not_available', 'The console already has accounts: log in, or ask an administrator for one.');
    }
    const stored = store.findAccount(account.name);
    if (stored === undefined) throw new Error('the first admin was not stored');
    await logIn(request, stored);
    guard.audit(request, { action: 'setup', outcome: 'ok', status: 201 });
    return reply.code(201).send({ account: publicAccount(stored) });
  });
  methodNotAllowed(app, '/setup', ['POST']);

  /** Admin routes: refused (and audited) for anyone else. */
  const admin = (request: FastifyRequest, capability: Capability) => {
    try {
      return guard.require(request, capability);
    } catch (error) {
      if (error instanceof Problem) guard.audit(request, { action: 'access_refused', outcome: error.title, status: error.statusCode });
      throw error;
    }
  };

  app.get('/admin/accounts', (request) => {
    admin(request, 'accounts');
    return {
      accounts: store.listAccounts().map((a) => ({
        name: a.name,
        role: a.role,
        environments: a.environments,
        disabled: a.disabled,
        created_at: a.createdAt,
        last_login_at: a.lastLoginAt,
      })),
    };
  });

  app.post('/admin/accounts', async (request, reply) => {
    admin(request, 'accounts');
    const body = parseOrRefuse(newAccountSchema, requireBody(request));
    const account: Account = { name: body.name, role: body.role, environments: body.environments ?? null };
    if (!store.createAccount(account, await hashPassword(body.password))) {
      throw new Problem(409, 'account_exists', `There is already an account named ${body.name}. Choose another name.`);
    }
    guard.audit(request, { action: 'account_created', outcome: `${account.name}:${account.role}`, status: 201 });
    return reply.code(201).send(account);
  });

  app.patch('/admin/accounts/:name', async (request) => {
    const self = admin(request, 'accounts');
    const { name } = request.params as { name: string };
    const change = parseOrRefuse(accountChangeSchema, requireBody(request));
    if (name === self.name && (change.disabled === true || (change.role !== undefined && change.role !== 'admin'))) {
      throw new Problem(409, 'own_account', 'You cannot disable your own account nor take its admin role away; another admin can.');
    }
    const updated = store.updateAccount(name, {
      ...(change.role === undefined ? {} : { role: change.role }),
      ...(change.environments === undefined ? {} : { environments: change.environments }),
      ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
      ...(change.password === undefined ? {} : { passwordHash: await hashPassword(change.password) }),
    });
    if (!updated) throw new Problem(404, 'account_not_found', `There is no account named ${name}.`);
    guard.audit(request, { action: 'account_changed', outcome: `${name}:${Object.keys(change).sort().join('+')}`, status: 200 });
    const account = store.findAccount(name);
    return account === undefined ? {} : publicAccount(account);
  });
  methodNotAllowed(app, '/admin/accounts', ['GET', 'POST']);
  methodNotAllowed(app, '/admin/accounts/:name', ['PATCH']);

  app.get('/admin/audit', (request) => {
    admin(request, 'audit');
    const filter = auditFilter(request.query);
    const entries = store.queryAudit(filter);
    const last = entries.at(-1);
    return { entries, next_before: entries.length === filter.limit && last !== undefined ? last.id : null };
  });

  app.get('/admin/audit.csv', (request, reply: FastifyReply) => {
    admin(request, 'audit');
    const filter = auditFilter({ ...(request.query as object), limit: '500' });
    const entries: AuditEntry[] = [];
    // Page through the whole selection; capped so one export cannot hold the server for long.
    for (let before = filter.before; entries.length < 100_000;) {
      const page = store.queryAudit({ ...filter, ...(before === undefined ? {} : { before }) });
      entries.push(...page);
      const last = page.at(-1);
      if (page.length < filter.limit || last === undefined) break;
      before = last.id;
    }
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(toCsv(entries));
  });
  methodNotAllowed(app, '/admin/audit', ['GET']);
  methodNotAllowed(app, '/admin/audit.csv', ['GET']);
  done();
};

/** A one-time setup token: printed at start when no account exists. */
export function newSetupToken(): string {
  return randomBytes(24).toString('base64url');
}
