import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../../lib/problem.ts';

/**
 * Headers on every answer: a strict Content-Security-Policy (scripts, styles, models and the
 * detector's WebAssembly from this origin only; no inline script), no framing, no referrer (the
 * console's addresses hold CPFs), and only this origin may use the camera.
 */
export const securityHeaders = fp(async (app: FastifyInstance) => {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // The face detector compiles WebAssembly: 'wasm-unsafe-eval' allows exactly that, not eval().
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'"],
        workerSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // HTTPS is the deployer's choice (a proxy in front); the header is harmless over HTTP.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()');
  });
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a request that changes something when it comes from another site: on top of the
 * SameSite=Strict cookie, the browser's own word (Sec-Fetch-Site, Origin) is checked. Clients that
 * are not browsers send neither and are judged by their session alone.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const own = `${request.protocol}://${request.host}`;
  if ((site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && origin !== own)) {
    throw new Problem(
      403,
      'cross_site_request',
      'This request came from another site and was refused. Use the console from its own address.',
    );
  }
}
