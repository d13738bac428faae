import type { FastifyRequest } from 'fastify';

/** CPFs in paths (lookups by document) are personal data: logs keep the route, not the number. */
export function redactUrl(url: string): string {
  return url.replace(/(\/document_number\/)[^/?#]*/g, '$1[redacted]');
}

/**
 * Logger options for every server of this project. Bodies (pictures, CPFs) are never logged;
 * request lines carry the redacted path only, and no headers (the Authorization key).
 */
export function loggerOptions(level: string) {
  return {
    level,
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }),
    },
  };
}
