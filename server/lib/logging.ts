import { LogController } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A digit, as it is or percent-encoded (once or more: `5`, `%35`, `%2535`), and a separator people
 * or encoders put between a CPF's digits (`.`, `-`, a space, `+`, `_`, `,`, or their escapes).
 */
const DIGIT = String.raw`(?:\d|%(?:25)*3\d)`;
const SEPARATOR = String.raw`(?:[.\-\s+_,]|%(?:25)*(?:2[0BbCcDdEe]|5[Ff]))`;
/** A registration or image key: hex digits, never a CPF, kept so that support can find it in the logs. */
const UUID = String.raw`\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b`;
/**
 * Eleven digits or more in a row, a separator allowed between any two: every way a CPF is written
 * (`52998224725`, `529.982.247-25`) or encoded (`529%2E982%2E247%2D25`, `%35%32…`). Longer runs
 * are masked whole: a CPF inside a longer number is still a CPF.
 */
const CPF_LIKE = new RegExp(`(${UUID})|${DIGIT}(?:${SEPARATOR}?${DIGIT}){10,}`, 'g');

/** Masks every CPF-like run of digits in a text: `[CPF]`. */
function redactCpfs(text: string): string {
  return text.replace(CPF_LIKE, (match, uuid: string | undefined) => (uuid === undefined ? '[CPF]' : match));
}

/** Undoes ASCII percent-escapes, repeatedly (an address may be encoded twice), for checking only. */
function percentDecoded(text: string): string {
  let current = text;
  for (let i = 0; i < 4; i += 1) {
    const next = current.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * An address as it may be logged: what follows a `document_number` segment (spelt plainly or
 * percent-encoded) is `[redacted]`, whatever it holds, as are single sign-on's `code`, `state`
 * (and `session_state`, `id_token_hint`) query values and the audit's `cpf_hash`; every CPF-like
 * run of digits in the path and the query — a script's `cpf=` filter of the audit, an older link's
 * `/lookup/document/…`, `/login?next=…` — is `[CPF]`. The rest stays as it was sent.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i += 1) {
    if (percentDecoded(segments[i - 1] ?? '') === 'document_number') segments[i] = '[redacted]';
  }
  const search = query === -1 ? '' : url.slice(query).replace(QUERY_SECRETS, '$1=[redacted]');
  return redactCpfs(`${segments.join('/')}${search}`);
}

/**
 * What single sign-on's callback carries in its query (the authorization code, the state that
 * binds it to a browser) and its logout address (the ID token), and the audit's filter by a CPF's
 * keyed hash (no CPF, but it names one person's entries, and would tie the lines of their
 * searches together): never in a log.
 */
const QUERY_SECRETS = /(?<=[?&])(code|state|session_state|id_token_hint|cpf_hash)=[^&#]*/g;

/** A JSON string literal of a log line, its CPF-like runs masked (numbers of the line untouched). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/**
 * The last line of defence, on every line as written: CPF-like runs in any string of the line are
 * masked, wherever a URL was logged (Fastify's own messages such as "Route … not found", errors
 * whose message quotes an address, a plugin's log).
 */
function redactLogLine(line: string): string {
  // Most strings of a line are short words: only one with room for eleven digits is searched.
  return line.replace(JSON_STRING, (literal) => (literal.length < 13 || !/\d/.test(literal) ? literal : redactCpfs(literal)));
}

/**
 * Logger options for every server of this project. Bodies (pictures, CPFs) are never logged;
 * request lines carry the redacted address only, and no headers (the Authorization key); and no
 * line leaves with a CPF in it.
 */
export function loggerOptions(level: string) {
  return {
    level,
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }),
    },
    hooks: { streamWrite: redactLogLine },
  };
}

/** At `info`, one successful GET or HEAD in this many is logged, per route. */
export const READ_SAMPLE = 100;

/** The levels at which every request is logged, sampling aside. */
const EVERY_REQUEST = new Set(['debug', 'trace']);

/**
 * Fastify's two lines per request cost the emulator's look-up by CPF about a third of its
 * throughput at `info` (issue 17: `npm run emulator` answered 0.68–0.70× of the same look-up
 * unlogged under scripts/bench/emulator.ts's load; sampled, 0.80× with its log read through a
 * pipe, docs/benchmarks.md). Most requests are successful
 * reads (look-ups, pages, QA's and the bulk jobs' polls), and each paid for a redacted address and
 * two JSON lines. So at `info` a successful GET or HEAD is logged once in READ_SAMPLE per route, on
 * one line written when it completes, which carries the request too and says `sampled: 100`; a
 * failed read (4xx, 5xx) gets that one line every time (its outcome is not known earlier); every
 * other method keeps both lines. At `debug` and `trace` every request is logged, as before.
 */
class SampledRequestLog extends LogController {
  /** Successful reads seen per route (its config object), modulo READ_SAMPLE. */
  readonly #reads = new WeakMap<object, number>();

  override incomingRequest(request: FastifyRequest): void {
    if (isRead(request) && !EVERY_REQUEST.has(request.log.level)) return;
    request.log.info({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    if (reply.statusCode < 400 && isRead(request) && !EVERY_REQUEST.has(reply.log.level)) {
      if (!this.#sampled(request)) return;
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, sampled: READ_SAMPLE }, 'request completed');
      return;
    }
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  /** Whether this successful read is its route's one in READ_SAMPLE (the first, the 101st, …). */
  #sampled(request: FastifyRequest): boolean {
    const route = request.routeOptions.config;
    const seen = this.#reads.get(route) ?? 0;
    this.#reads.set(route, (seen + 1) % READ_SAMPLE);
    return seen === 0;
  }
}

function isRead(request: FastifyRequest): boolean {
  return request.method === 'GET' || request.method === 'HEAD';
}

/** Fastify's `logController` for every server of this project: request lines sampled at `info` (SampledRequestLog). */
export function requestLogController(): LogController {
  return new SampledRequestLog();
}

/**
 * A request whose client went away before its answer gets one line at `info`, whatever its method:
 * its answer is never finished, so Fastify writes no "request completed", and at `info` a read's
 * "incoming request" is not written either (SampledRequestLog), which left no trace of it at all.
 */
export function logAbortedRequests(app: FastifyInstance): void {
  app.addHook('onRequestAbort', (request, done) => {
    request.log.info({ req: request }, 'request aborted by the client before its answer');
    done();
  });
}
