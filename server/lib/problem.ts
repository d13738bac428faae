import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
export function problemFromZod(error: z.core.$ZodError, field?: string): Problem {
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
function toProblem(error: FastifyError): Problem {
  if (error instanceof Problem) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Problem(406, 'invalid_json', `The body is not valid JSON. ${NOT_JSON}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(406, 'invalid_json', `The body is empty. ${NOT_JSON}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(406, 'invalid_json', `The body is not JSON. ${NOT_JSON}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
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
    const problem = toProblem(error);
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

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Answers 405 with an Allow header for the methods a known path does not take. */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly (typeof METHODS)[number][]): void {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  app.route({
    method: METHODS.filter((m) => !allowed.includes(m)),
    url,
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
