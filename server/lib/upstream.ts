import type { FastifyInstance } from 'fastify';

export interface UpstreamAnswer {
  status: number;
  /** The parsed JSON answer, or undefined when the upstream sent something else. */
  body: unknown;
}

/** One environment's QI Tech: the three registration calls and /image, and nothing else. */
export interface Upstream {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<UpstreamAnswer>;
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
