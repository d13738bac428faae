import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { Problem, jsonErrorHandler, sendProblem } from '../../lib/problem.ts';

export interface SpaOptions {
  /** The Vite build: index.html and assets/. */
  distDir: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Serves the built single-page app: hashed assets cached for a year, everything else
 * revalidated, compressed (at build time) when the browser accepts it, and index.html for any page address
 * (deep links such as /lookup/key/…) so the router in the browser takes over.
 */
export const spa: FastifyPluginAsync<SpaOptions> = async (app, { distDir }) => {
  if (!existsSync(join(distDir, 'index.html'))) {
    app.log.warn({ distDir }, 'the console is not built; run `npm run build` (npm start does it)');
    app.setNotFoundHandler((_request, reply) =>
      sendProblem(
        reply,
        new Problem(
          503,
          'console_not_built',
          'The console has not been built. Run `npm run build`, or start it with `npm start`, which builds it first.',
        ),
      ),
    );
    return;
  }

  jsonErrorHandler(app);
  await app.register(fastifyStatic, {
    root: distDir,
    // Files are looked up per request, so a rebuild is served without a restart.
    wildcard: true,
    // The build writes .br and .gz beside each text file (vite.config.ts); the best one accepted is sent.
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes(`${join(distDir, 'assets')}/`) ? IMMUTABLE : REVALIDATE);
    },
  });

  app.setNotFoundHandler((request, reply) => {
    // Browsers navigating ask for text/html; scripts and images fetched by the page do not, and a
    // missing one must be a 404, not a page.
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');
    if (wantsPage) return reply.header('cache-control', REVALIDATE).sendFile('index.html');
    return sendProblem(reply, new Problem(404, 'not_found', `There is nothing at ${request.url.split('?')[0] ?? ''}.`));
  });
};
