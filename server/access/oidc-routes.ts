import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed } from '../lib/problem.ts';
import type { AccessGuard } from './guard.ts';
import {
  CALLBACK_PATH,
  SsoRefusal,
  TRANSACTION_COOKIE,
  TRANSACTION_TTL_MS,
  mapGroups,
  openTransaction,
  safeNext,
  sealTransaction,
} from './oidc.ts';
import type { RelyingParty, Transaction } from './oidc.ts';
import { openSession } from './sessions.ts';
import type { AccessStore, StoredAccount } from './store.ts';
import { sameRights } from './store.ts';

/** Who the trail names as the actor of what the provider's word changed (no account can be so named: no colon). */
export const OIDC_ACTOR = 'system:oidc';

interface OidcRouteOptions {
  store: AccessStore;
  guard: AccessGuard;
  rp: RelyingParty;
  /** Signs the transaction cookie (transactionKey of the session secret). */
  transactionKey: Buffer;
  idleMs: number;
}

/**
 * GET /api/auth/oidc/login and /api/auth/oidc/callback: single sign-on (decision 012). Both are
 * top-level navigations of the browser, not calls of the SPA: they answer with redirects, never
 * JSON, and a refusal sends the browser to the login page with `sso_error`, which it says in words.
 */
export const oidcRoutes: FastifyPluginCallback<OidcRouteOptions> = (app, { store, guard, rp, transactionKey, idleMs }, done) => {
  // Reached without a login, and only by GET: the cross-site check (security.ts) lets GETs through,
  // which the callback needs, as the provider's redirect is a navigation from another site.
  const anyone = { config: { public: true } } as const;
  // The browser sends the cookie back to the callback only; Secure when browsers reach the console over HTTPS.
  const cookieOptions = {
    path: CALLBACK_PATH,
    httpOnly: true,
    // Lax, not Strict: the provider's redirect to the callback is a cross-site top-level navigation,
    // on which browsers send Lax cookies and withhold Strict ones.
    sameSite: 'lax',
    secure: rp.settings.publicUrl.startsWith('https:'),
  } as const;

  const refuse = async (request: FastifyRequest, reply: FastifyReply, refusal: SsoRefusal, next?: string) => {
    request.log.warn({ reason: refusal.reason }, `single sign-on refused: ${refusal.message}`);
    await store.appendAudit({ actor: refusal.actor, action: 'oidc_refused', outcome: refusal.reason, status: 302, address: request.ip });
    const query = new URLSearchParams({ sso_error: refusal.reason });
    if (next !== undefined && next !== '/') query.set('next', next);
    return reply.redirect(`/login?${query.toString()}`, 302);
  };

  app.get<{ Querystring: { next?: string } }>('/auth/oidc/login', anyone, async (request, reply) => {
    const next = safeNext(request.query.next);
    let begun: { transaction: Transaction; url: string };
    try {
      begun = await rp.begin(next);
    } catch (error) {
      if (error instanceof SsoRefusal) return refuse(request, reply, error, next);
      throw error;
    }
    reply.setCookie(TRANSACTION_COOKIE, sealTransaction(transactionKey, begun.transaction), {
      ...cookieOptions,
      maxAge: TRANSACTION_TTL_MS / 1000,
    });
    reply.header('cache-control', 'no-store');
    return reply.redirect(begun.url, 302);
  });
  methodNotAllowed(app, '/auth/oidc/login', ['GET'], anyone.config);

  /** The account the provider's person maps to, made or brought up to date; a refusal otherwise. */
  const accountOf = async (person: { subject: string; name: string; groups: string[]; groupsOverage: boolean }): Promise<StoredAccount> => {
    const entry = mapGroups(rp.settings.roleMap, person.groups);
    if (entry === undefined && person.groupsOverage) {
      // Not fetched from the provider's API (Microsoft Graph would need another secret and scope):
      // the provider's own setting fixes it for everyone (docs/single-sign-on.md).
      throw new SsoRefusal(
        'group_overage',
        `the provider left the ${rp.settings.groupsClaim} claim out of the ID token (the person is in too many groups; _claim_names points elsewhere)`,
        person.name,
      );
    }
    if (entry === undefined) {
      throw new SsoRefusal(
        'no_mapped_group',
        `none of the person's groups (${String(person.groups.length)}) is in OIDC_ROLE_MAP`,
        person.name,
      );
    }
    const synced = await store.syncProviderAccount({
      subject: person.subject,
      name: person.name,
      role: entry.role,
      environments: entry.environments,
    });
    switch (synced.outcome) {
      case 'name_taken':
        throw new SsoRefusal('name_taken', `another account is already named ${person.name}`, null);
      case 'last_admin':
        throw new SsoRefusal('last_admin', 'the groups would take the admin role from the last enabled admin', person.name);
      case 'created':
        await store.appendAudit({
          actor: OIDC_ACTOR,
          action: 'account_created',
          outcome: `${synced.account.name}:${synced.account.role}`,
          status: 0,
        });
        return synced.account;
      case 'updated': {
        const { account, previous } = synced;
        const changed = [
          ...(account.role === previous.role ? [] : ['role']),
          ...(sameRights({ ...previous, role: account.role }, account) ? [] : ['environments']),
        ];
        await store.appendAudit({
          actor: OIDC_ACTOR,
          action: 'account_changed',
          outcome: `${account.name}:${changed.join('+')}`,
          status: 0,
        });
        return account;
      }
      case 'unchanged':
        return synced.account;
    }
  };

  app.get('/auth/oidc/callback', anyone, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const transaction = openTransaction(transactionKey, request.cookies[TRANSACTION_COOKIE]);
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    if (transaction === undefined) {
      reply.clearCookie(TRANSACTION_COOKIE, cookieOptions);
      return refuse(
        request,
        reply,
        new SsoRefusal('no_transaction', 'no valid login transaction cookie came (expired, another browser, or none started)'),
      );
    }
    // Another login's state (one started earlier in another tab, or forged): refused, and the
    // cookie is left to the login it belongs to, which may still finish.
    if (new URLSearchParams(query).get('state') !== transaction.state) {
      return refuse(
        request,
        reply,
        new SsoRefusal('state_mismatch', "the callback's state is not the one of the login this browser started last"),
      );
    }
    // Used once: whatever happens next, this login's state, nonce and verifier are forgotten.
    reply.clearCookie(TRANSACTION_COOKIE, cookieOptions);
    try {
      const person = await rp.finish(query, transaction);
      const account = await accountOf(person);
      if (account.disabled) throw new SsoRefusal('account_disabled', 'the account is disabled in the console', account.name);
      const opened = await openSession(request, store, idleMs, account, {
        idToken: person.idToken,
        endsAt: rp.settings.sessionFollowsToken ? person.expiresAt : undefined,
      });
      if (!opened) throw new SsoRefusal('account_changed', 'the account was disabled while logging in', account.name);
    } catch (error) {
      if (error instanceof SsoRefusal) return refuse(request, reply, error, transaction.next);
      throw error;
    }
    await guard.audit(request, { action: 'login', outcome: 'sso', status: 302 });
    return reply.redirect(transaction.next, 302);
  });
  methodNotAllowed(app, '/auth/oidc/callback', ['GET'], anyone.config);
  done();
};
