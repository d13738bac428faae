import { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A route whose body may take up to requestTimeout to arrive (the bulk upload: up to 2 GB);
     * every other route's body must arrive within bodyTimeout.
     */
    longBody?: boolean;
  }
}
import { registerApp } from './app.ts';
import type { AppOptions } from './app.ts';
import type { Config } from './config.ts';
import { logAbortedRequests, loggerOptions, requestLogController } from './lib/logging.ts';
import { frameworkErrors } from './lib/problem.ts';

/** Server options shared by `npm start`, the tests and the benchmark. */
export const SERVER_OPTIONS = {
  // Long enough for any key or CPF; a longer segment is a 404 without reaching a handler.
  routerOptions: { maxParamLength: 200 },
  frameworkErrors,
} as const;

/**
 * How long a client may take. Fastify disables Node's request timeout and sets no socket timeout,
 * so a client that stops sending in the middle of a body held its connection (and the memory of
 * the body so far) for as long as it liked.
 */
export interface ServerTimeouts {
  /**
   * The whole request, headers and body, must arrive within this (Node answers 408 otherwise): the
   * bound of the bulk upload (`longBody` routes), whose 2 GB at most take ~27 min at 10 Mbit/s.
   */
  requestTimeout: number;
  /** Every other route's body must arrive within this: a 6 MB picture over a slow link fits (408 otherwise). */
  bodyTimeout: number;
  /** The headers must arrive within this. */
  headersTimeout: number;
  /** A socket silent this long, in either direction, is closed: above the longest a handler may wait for QI Tech. */
  connectionTimeout: number;
  /** An idle keep-alive connection is closed after this: above the 60 s idle timeout of common proxies (nginx, AWS ALB), so a proxy never reuses a connection the console is closing. */
  keepAliveTimeout: number;
  /** How often Node checks the request and headers timeouts (its default, 30 s, would let them run that much late). */
  connectionsCheckingInterval: number;
}

/** The timeouts for a server whose handlers may wait `upstreamTimeoutMs` for QI Tech (QITECH_TIMEOUT_MS). */
export function serverTimeouts(upstreamTimeoutMs = 0): ServerTimeouts {
  return {
    requestTimeout: 30 * 60_000,
    bodyTimeout: 60_000,
    headersTimeout: 15_000,
    // A registration may look up and register: two upstream calls, plus the face check.
    connectionTimeout: Math.max(120_000, 2 * upstreamTimeoutMs + 30_000),
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: 5_000,
  };
}

/** Fastify's options for these timeouts (headersTimeout and the checking interval go to Node's server). */
export function timeoutOptions(timeouts: ServerTimeouts) {
  return {
    requestTimeout: timeouts.requestTimeout,
    connectionTimeout: timeouts.connectionTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    http: { headersTimeout: timeouts.headersTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval },
  };
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes a function: Fastify 5.12 trusts no hop when
 * given a number. Hop n (0: the peer of the socket) is believed while n < the count, so the
 * client's address is the entry that many hops from the right of X-Forwarded-For.
 */
function trustProxyOption(setting: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

export interface BuildOptions extends AppOptions {
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
  /** Overrides some of serverTimeouts() (tests use short ones). */
  timeouts?: Partial<ServerTimeouts>;
}

export async function buildServer(options: BuildOptions): Promise<FastifyInstance> {
  const logger =
    options.logger === false
      ? false
      : { ...loggerOptions(options.config.logLevel), ...(options.logStream === undefined ? {} : { stream: options.logStream }) };
  const timeouts = { ...serverTimeouts(options.config.upstreamTimeoutMs), ...options.timeouts };
  const app = Fastify({
    ...SERVER_OPTIONS,
    ...timeoutOptions(timeouts),
    logger,
    logController: requestLogController(),
    trustProxy: trustProxyOption(options.config.trustProxy),
  });
  bodyDeadline(app, timeouts.bodyTimeout);
  logAbortedRequests(app);
  await registerApp(app, options);
  return app;
}

const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/**
 * Node's requestTimeout is one for the whole server, and the bulk upload needs a long one: every
 * other route's body must arrive within `bodyTimeout`, or the connection is answered 408 and
 * closed as Node does, so that a client trickling a body holds no connection for half an hour.
 */
export function bodyDeadline(app: FastifyInstance, bodyTimeout: number): void {
  app.addHook('onRequest', (request, reply, done) => {
    const { raw } = request;
    // inject()'s requests have no socket to close (and need no deadline); a request with neither
    // Content-Length nor Transfer-Encoding has no body to wait for (a GET: no timer to set and clear).
    const bodiless = raw.headers['content-length'] === undefined && raw.headers['transfer-encoding'] === undefined;
    if (raw.complete || bodiless || !(raw.socket instanceof Socket) || request.routeOptions.config.longBody === true) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      if (raw.complete) return;
      const { socket } = raw;
      if (reply.raw.headersSent) socket.destroy();
      else socket.end(REQUEST_TIMEOUT_ANSWER);
    }, bodyTimeout);
    timer.unref();
    const clear = () => {
      clearTimeout(timer);
    };
    raw.once('end', clear);
    raw.once('close', clear);
    done();
  });
}
