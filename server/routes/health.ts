import type { FastifyPluginCallback } from 'fastify';
import { Problem, methodNotAllowed } from '../lib/problem.ts';

export interface HealthOptions {
  /** Throws when the console cannot serve: its database does not answer. */
  ready: () => void;
}

/**
 * `GET /healthz` (the process is up) and `GET /readyz` (it can serve: its database answers), for a
 * load balancer or an orchestrator; no session needed, nothing audited, nothing about the data said.
 */
export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, { ready }, done) => {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (request) => {
    try {
      ready();
    } catch (error) {
      request.log.warn({ err: error }, 'not ready: the database did not answer');
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
