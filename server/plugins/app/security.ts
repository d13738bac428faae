import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { Problem } from '../../lib/problem.ts';

/**
 * Headers on every answer: a strict Content-Security-Policy (scripts, styles, models and the
 * detector's WebAssembly from this origin only; no inline script), no framing, no referrer (the
 * console's addresses hold CPFs), and only this origin may use the camera.
 */
/** helmet's settings: the headers above. */
const HELMET_OPTIONS = {
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
} as const;

/**
 * The headers helmet sets with these settings, worked out once. They are the same on every answer
 * (no nonce, no directive that depends on the request), and @fastify/helmet rebuilt helmet's
 * middleware on every request (parsing the policy again): ~8% of a look-up's time through the
 * console's /emulator prefix.
 */
function helmetHeaders(): Record<string, string> {
  // A request and an answer that go nowhere, for helmet to set its headers on (it throws on a bad setting).
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(HELMET_OPTIONS)(request, response, () => undefined);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.getHeaders()))
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  return { ...headers, 'permissions-policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()' };
}

export const securityHeaders = fp((app: FastifyInstance, _options, done) => {
  // On the raw answer, as helmet itself sets them: kept whatever Fastify then sends (an error too).
  const headers = Object.entries(helmetHeaders());
  app.addHook('onRequest', (_request, reply, next) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    next();
  });
  done();
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
