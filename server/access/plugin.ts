import type { FastifyPluginAsync } from 'fastify';
import { accountRoutes } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import type { AccessGuard } from './guard.ts';
import { registrationOriginRoutes } from './registration-origin-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import type { AccessOptions } from './sessions.ts';

/**
 * Staff access's routes under /api: the session and the first admin's setup, accounts, the audit
 * trail, the origin of a registration the console made. Registered inside the /api scope, after
 * `sessions` (sessions.ts).
 */
export const accessRoutes: FastifyPluginAsync<AccessOptions & { guard: AccessGuard }> = async (app, options) => {
  await app.register(sessionRoutes, options);
  await app.register(accountRoutes, { store: options.store, guard: options.guard });
  await app.register(auditRoutes, { store: options.store, guard: options.guard });
  await app.register(registrationOriginRoutes, { store: options.store, guard: options.guard });
};
