import type { FastifyPluginAsync } from 'fastify';
import { accountRoutes } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import type { AccessGuard } from './guard.ts';
import { transactionKey } from './oidc.ts';
import type { RelyingParty } from './oidc.ts';
import { oidcRoutes } from './oidc-routes.ts';
import { registrationOriginRoutes } from './registration-origin-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import type { AccessOptions } from './sessions.ts';

/**
 * Staff access's routes under /api: the session and the first admin's setup, single sign-on when
 * configured, accounts and the sign-in setting, the audit
 * trail, the origin of a registration the console made. Registered inside the /api scope, after
 * `sessions` (sessions.ts).
 */
export const accessRoutes: FastifyPluginAsync<AccessOptions & { guard: AccessGuard; rp: RelyingParty | undefined }> = async (
  app,
  options,
) => {
  await app.register(sessionRoutes, options);
  if (options.rp !== undefined) {
    await app.register(oidcRoutes, {
      store: options.store,
      guard: options.guard,
      rp: options.rp,
      transactionKey: transactionKey(options.secret),
      idleMs: options.idleMs,
    });
  }
  await app.register(accountRoutes, { store: options.store, guard: options.guard, rp: options.rp });
  await app.register(auditRoutes, { store: options.store, guard: options.guard });
  await app.register(registrationOriginRoutes, { store: options.store, guard: options.guard });
};
