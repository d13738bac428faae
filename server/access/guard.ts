import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, mayUse } from '../../contract/access.ts';
import type { Account, Capability } from '../../contract/access.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { Problem } from '../lib/problem.ts';
import type { AccessStore, NewAuditEntry } from './store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reached without a login (the session's routes, the first admin's setup); every other /api route needs one. */
    public?: boolean;
  }
}

export interface AccessGuard {
  /** The account logged in, or the 401 Problem (not_authenticated, session_expired). */
  authenticate(request: FastifyRequest): Account;
  /** The account, or a 401/403 Problem (audited) when it may not do this here. */
  require(request: FastifyRequest, capability: Capability, environment?: EnvironmentName): Account;
  /** Writes an entry of this request to the audit trail (resolved once it is stored). */
  audit(request: FastifyRequest, entry: Omit<NewAuditEntry, 'actor' | 'address'>): Promise<void>;
}

export function accessGuard(store: AccessStore): AccessGuard {
  const audit: AccessGuard['audit'] = (request, entry) =>
    store.appendAudit({ ...entry, actor: request.account?.name ?? null, address: request.ip });
  const authenticate: AccessGuard['authenticate'] = (request) => {
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
    return account;
  };
  return {
    audit,
    authenticate,
    require(request, capability, environment) {
      const account = authenticate(request);
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
  validate: 'validate faces against registrations',
  bulk: 'register faces in bulk',
  audit: 'read the audit trail',
  accounts: 'manage accounts',
};

/** An admin route's check: the account, or the 401/403 Problem, audited as `access_refused`. */
export async function requireAdmin(guard: AccessGuard, request: FastifyRequest, capability: Capability): Promise<Account> {
  try {
    return guard.require(request, capability);
  } catch (error) {
    if (error instanceof Problem) await guard.audit(request, { action: 'access_refused', outcome: error.title, status: error.statusCode });
    throw error;
  }
}

/**
 * Refuses anonymous callers of a scope's routes in onRequest, before their body is read or parsed:
 * only routes marked `config: { public: true }` are reached without a login (unknown paths too are
 * refused). `auditAs` says how the route itself wrote such a refusal to the audit trail (undefined:
 * it did not), so the trail reads as when the route refused them.
 */
export function refuseAnonymous(
  scope: FastifyInstance,
  guard: AccessGuard,
  auditAs: (request: FastifyRequest) => Omit<NewAuditEntry, 'actor' | 'address' | 'outcome' | 'status'> | undefined,
): void {
  scope.addHook('onRequest', async (request) => {
    if (request.account !== null || request.routeOptions.config.public === true) return;
    try {
      guard.authenticate(request);
    } catch (error) {
      const entry = auditAs(request);
      if (error instanceof Problem && entry !== undefined) {
        await guard.audit(request, { ...entry, outcome: error.title, status: error.statusCode });
      }
      throw error;
    }
  });
}
