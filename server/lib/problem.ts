import type { FastifyContextConfig, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod/mini';
import type { ErrorBody } from '../../contract/registration.ts';

/** A refusal to send as `{title, description}` (+ `image_status`), QI Tech's error shape. */
export class Problem extends Error {
  readonly statusCode: number;
  readonly title: string;
  readonly description: string;
  readonly imageStatus: string | undefined;
  readonly headers: Record<string, string>;
  /** On the console server's answers about a failed upstream: the status the upstream answered. */
  readonly upstreamStatus: number | undefined;

  constructor(
    statusCode: number,
    title: string,
    description: string,
    options: { imageStatus?: string; headers?: Record<string, string>; upstreamStatus?: number; extra?: Record<string, number> } = {},
  ) {
    super(`${title}: ${description}`);
    this.statusCode = statusCode;
    this.title = title;
    this.description = description;
    this.imageStatus = options.imageStatus;
    this.headers = options.headers ?? {};
    this.upstreamStatus = options.upstreamStatus;
    this.extra = options.extra ?? {};
  }

  /** More fields of the body, such as `retry_after_seconds`. */
  readonly extra: Record<string, number>;

  get body(): ErrorBody {
    return {
      title: this.title,
      description: this.description,
      ...(this.imageStatus === undefined ? {} : { image_status: this.imageStatus }),
      ...(this.upstreamStatus === undefined ? {} : { upstream_status: this.upstreamStatus }),
      ...this.extra,
    };
  }
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.statusCode).headers(problem.headers).send(problem.body);
}

const FIELD_TITLES: Record<string, string> = {
  document_number: 'invalid_document_number',
  image: 'invalid_image',
  image_key: 'invalid_image_key',
  registration_key: 'invalid_registration_key',
};

/**
 * The first issue of a failed parse, as a Problem. The field names the title; an image over
 * the size limit is 413, as QI Tech answers an oversized body.
 */
function problemFromZod(error: z.core.$ZodError, field?: string): Problem {
  const issue = error.issues[0];
  if (issue === undefined) return new Problem(400, 'invalid_request', 'The request was refused.');
  const name = typeof issue.path[0] === 'string' ? issue.path[0] : field;
  const params = issue.code === 'custom' ? (issue.params as Record<string, unknown> | undefined) : undefined;
  if (name === 'image' && params?.image === 'too_large') {
    return new Problem(413, 'image_too_large', issue.message);
  }
  const title = (name !== undefined ? FIELD_TITLES[name] : undefined) ?? 'invalid_request';
  const more =
    error.issues.length > 1
      ? ` (${String(error.issues.length - 1)} more problem${error.issues.length > 2 ? 's' : ''} in this request.)`
      : '';
  return new Problem(400, title, `${issue.message}${more}`);
}

const NOT_JSON = 'The body must be JSON, sent with Content-Type: application/json.';

/** Turns every framework error into a `{title, description}` answer; a 5xx only for our own faults. */
function toProblem(error: FastifyError, request: FastifyRequest): Problem {
  if (error instanceof Problem) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Problem(406, 'invalid_json', `The body is not valid JSON. ${NOT_JSON}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(406, 'invalid_json', `The body is empty. ${NOT_JSON}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(406, 'invalid_json', `The body is not JSON. ${NOT_JSON}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // A route that takes no picture has a small limit (a few kilobytes of JSON).
      if (request.routeOptions.bodyLimit < 1_000_000) {
        return new Problem(
          413,
          'payload_too_large',
          `The request body is too large: this address takes at most ${request.routeOptions.bodyLimit.toLocaleString('en')} bytes of JSON. Check what is being sent.`,
        );
      }
      return new Problem(
        413,
        'payload_too_large',
        'The request body is too large. A picture may have at most 3,000,000 bytes: reduce its resolution or quality and send it again.',
      );
    case 'FST_STATIC_FORBIDDEN_PATH':
      return new Problem(
        403,
        'forbidden_path',
        'This address is not allowed (it climbs out of the console with ".." or has a doubled "/"). Check the address.',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(400, 'invalid_request', 'The Content-Length header does not match the body. Send the request again.');
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new Problem(status, 'invalid_request', error.message);
  }
  return new Problem(500, 'internal_error', 'Something went wrong on our side. Your request was not completed; try again in a moment.');
}

/** Every error of a scope as `{title, description}`; a 5xx is logged (never the request's body). */
export function jsonErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, request);
    if (problem.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });
}

/**
 * JSON-only error handling for a Fastify scope: bodies that are not JSON get 406, unknown routes a
 * JSON 404, and every error `{title, description}`. Call it in each scope that owns a prefix.
 */
export function jsonErrors(app: FastifyInstance): void {
  jsonErrorHandler(app);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new Problem(
        404,
        'not_found',
        `There is no ${request.method} ${request.url.split('?')[0] ?? ''} here. Check the address against the API documentation.`,
      ),
    ),
  );
}

/** Refuse every body that is not JSON, whatever its content type claims, with 406. */
export function jsonBodiesOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(new Problem(406, 'invalid_json', `The body is not JSON. ${NOT_JSON}`), undefined);
  });
}

/** Deeper than any body of the contract (flat objects) will ever be. */
const MAX_JSON_DEPTH = 32;

/** Whether JSON text nests arrays and objects deeper than `max`: a scan, no parse (strings are skipped whole). */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      // To the closing quote: the next one not escaped (an even run of backslashes before it).
      let end = index;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end === -1) return false;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes += 1;
        if (slashes % 2 === 0) break;
      }
      index = end;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * JSON bodies read by Fastify's own parser once a scan has refused those nested absurdly deep (406):
 * a few megabytes of `[` hold the event loop for seconds in JSON.parse, and scanning costs
 * milliseconds.
 */
export function shallowJsonBodies(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (nestsDeeperThan(text, maxDepth)) {
      done(new Problem(406, 'invalid_json', `The body nests arrays or objects more than ${String(maxDepth)} deep. ${NOT_JSON}`), undefined);
      return;
    }
    void parse(request, text, done);
  });
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Answers 405 with an Allow header for the methods a known path does not take. `config`: the
 * path's route config (`{ public: true }` for a path reached without a login).
 */
export function methodNotAllowed(
  app: FastifyInstance,
  url: string,
  allowed: readonly (typeof METHODS)[number][],
  config: FastifyContextConfig = {},
): void {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  app.route({
    method: METHODS.filter((m) => !allowed.includes(m)),
    url,
    config,
    handler: (request, reply) =>
      sendProblem(
        reply,
        new Problem(405, 'method_not_allowed', `${request.method} is not allowed on this path; use ${allowed.join(' or ')}.`, {
          headers: { allow },
        }),
      ),
  });
}

/**
 * Parses with a contract schema (zod/mini or classic zod alike); a refusal becomes the first
 * issue's Problem. `field` names a lone value (a path parameter).
 */
export function parseOrRefuse<S extends z.core.$ZodType>(schema: S, value: unknown, field?: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw problemFromZod(result.error, field);
  return result.data;
}

/** A body that was absent (no Content-Type at all) is as much "not JSON" as a broken one. */
export function requireBody(request: FastifyRequest): unknown {
  if (request.body === undefined) {
    throw new Problem(406, 'invalid_json', 'The request has no body. Send a JSON body with Content-Type: application/json.');
  }
  return request.body;
}

/** Errors Fastify meets before routing (a malformed %-escape in the path): same JSON shape. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const problem =
    error.code === 'FST_ERR_BAD_URL'
      ? new Problem(
          400,
          'invalid_url',
          'The address has a malformed %-escape. Encode the path parameters (for example with encodeURIComponent) and try again.',
        )
      : new Problem(400, 'invalid_request', error.message);
  void sendProblem(reply, problem);
}
