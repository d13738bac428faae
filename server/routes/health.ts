import type { FastifyPluginCallback } from 'fastify';
import { Problem, methodNotAllowed } from '../lib/problem.ts';

export interface HealthOptions {
  /** Rejects when the console cannot serve: a database does not answer, or lacks a migration this code needs. */
  ready: () => Promise<void>;
  /** Why this console can serve nothing whatever its databases say (no environment configured); undefined: it can. */
  unservable?: string | undefined;
}

/**
 * `GET /healthz` (the process is up) and `GET /readyz` (it can serve: at least one environment
 * configured, its databases answer, their migrations applied — SQLite's or PostgreSQL's), for a
 * load balancer or an orchestrator; no session needed, nothing audited, nothing about the data said.
 */
export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, { ready, unservable }, done) => {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (request) => {
    if (unservable !== undefined) throw new Problem(503, 'not_ready', unservable);
    try {
      await ready();
    } catch (error) {
      request.log.warn({ err: error }, 'not ready: a database did not answer, or lacks a migration this code needs');
      throw new Problem(
        503,
        'not_ready',
        'The console cannot reach its database right now; send requests to another instance or retry soon.',
      );
    }
    return { status: 'ready' };
  });
  methodNotAllowed(app, '/healthz', ['GET']);
  methodNotAllowed(app, '/readyz', ['GET']);
  done();
};
