import type { FastifyInstance } from 'fastify';

export interface UpstreamAnswer {
  status: number;
  /** The parsed JSON answer, or undefined when the upstream sent something else. */
  body: unknown;
}

/** One environment's QI Tech: the three registration calls and /image, and nothing else. */
export interface Upstream {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<UpstreamAnswer>;
  /**
   * A text of this upstream's answer with the API key it was sent taken out: the last line of
   * defence before relaying free text (a refusal's description) from an upstream that echoes the
   * request's headers.
   */
  conceal(text: string): string;
}

const CONCEALED = '[redacted]';

/** Takes a key out of a text, as it is or as an address or JSON would write it, whatever its case. */
function concealer(apiKey: string | undefined): (text: string) => string {
  if (apiKey === undefined || apiKey === '') return (text) => text;
  const forms = [...new Set([apiKey, encodeURIComponent(apiKey), JSON.stringify(apiKey).slice(1, -1)])];
  const pattern = new RegExp(forms.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  return (text) => text.replace(pattern, CONCEALED);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The built-in emulator, reached in process with `inject()`: the same routes, authorization and
 * error answers as over HTTP, without a socket.
 */
export function emulatorUpstream(app: FastifyInstance, prefix: string, apiKey: string | undefined): Upstream {
  return {
    conceal: concealer(apiKey),
    async call(method, path, body) {
      const response = await app.inject({
        method,
        url: `${prefix}${path}`,
        headers: apiKey === undefined ? {} : { authorization: apiKey },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: response.statusCode, body: parseJson(response.body) };
    },
  };
}

/** What went wrong on the way to an upstream, when it gave no usable HTTP answer. */
export type UpstreamFaultKind =
  /** No connection could be made (refused, DNS, TLS handshake): the request never left. */
  | 'unreachable'
  /** No complete answer within the timeout. */
  | 'timeout'
  /** The connection broke after the request may have arrived. */
  | 'connection_lost'
  /** The answer is larger than any answer of the contract. */
  | 'too_large';

export class UpstreamFault extends Error {
  readonly kind: UpstreamFaultKind;
  /** The system's error code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…), for logs and messages. */
  readonly code: string | undefined;
  /** The upstream's status, when it had answered before the fault (too_large). */
  readonly status: number | undefined;

  constructor(kind: UpstreamFaultKind, code?: string, status?: number) {
    super(`${kind}${code === undefined ? '' : ` (${code})`}`);
    this.name = 'UpstreamFault';
    this.kind = kind;
    this.code = code;
    this.status = status;
  }
}

/** Failures before any byte of the request could reach the upstream: safe to report as "nothing sent". */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Every contract answer is a few hundred bytes; this bounds what a broken upstream can make us hold. */
const MAX_UPSTREAM_ANSWER_BYTES = 64 * 1024;

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error; typeof current === 'object' && current !== null; current = (current as { cause?: unknown }).cause) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function classify(error: unknown): UpstreamFault {
  if (error instanceof UpstreamFault) return error;
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return new UpstreamFault('timeout');
  const code = errorCode(error);
  return new UpstreamFault(code !== undefined && CONNECT_CODES.has(code) ? 'unreachable' : 'connection_lost', code);
}

async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_UPSTREAM_ANSWER_BYTES) {
    await response.body?.cancel();
    throw new UpstreamFault('too_large', undefined, response.status);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_UPSTREAM_ANSWER_BYTES) throw new UpstreamFault('too_large', undefined, response.status);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface HttpUpstreamOptions {
  /** Base URL without a trailing slash; the contract's paths are appended to it. */
  url: string;
  /** Sent as `Authorization: <key>` (QI Tech's scheme: the raw key, no "Bearer"). */
  apiKey: string;
  /** The whole call, retry and answer included, ends within this. */
  timeoutMs: number;
}

/**
 * An upstream over HTTP(S): QI Tech, or an emulator on another port. Adds the key, never follows a
 * redirect (the key must not travel elsewhere), bounds time and answer size, and classifies every
 * failure as an UpstreamFault. A GET is tried once more after a connection error; a POST never is:
 * it may have been processed, and creating a registration twice is worse than reporting a fault.
 */
export function httpUpstream({ url, apiKey, timeoutMs }: HttpUpstreamOptions): Upstream {
  const attempt = async (method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<UpstreamAnswer> => {
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal,
      });
      const text = await readCapped(response);
      return { status: response.status, body: parseJson(text) };
    } catch (error) {
      throw classify(signal.aborted ? signal.reason : error);
    }
  };

  return {
    conceal: concealer(apiKey),
    async call(method, path, body) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        return await attempt(method, path, body, signal);
      } catch (error) {
        const fault = classify(error);
        const retry = method === 'GET' && (fault.kind === 'unreachable' || fault.kind === 'connection_lost') && !signal.aborted;
        if (!retry) throw fault;
        return attempt(method, path, body, signal);
      }
    },
  };
}
