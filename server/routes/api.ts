import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod/mini';
import type { EnvironmentName, EnvironmentsAnswer } from '../../contract/console.ts';
import { cpfSchema } from '../../contract/cpf.ts';
import { imageAnswerSchema, keySchema, registrationAnswerSchema, upstreamErrorBodySchema } from '../../contract/registration.ts';
import { validationAnswerSchema } from '../../contract/validation.ts';
import type { ValidationAnswer } from '../../contract/validation.ts';
import { imageUploadRequestSchema, registrationRequestSchema, validationRequestSchema } from '../../contract/requests.ts';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER, mayUse } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { FACE_STATUSES } from '../../contract/face-quality.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';
import type { AccessGuard } from '../access/guard.ts';
import { EMULATOR_BODY_LIMIT } from '../emulator/plugin.ts';
import { Problem, methodNotAllowed, parseOrRefuse as parse, requireBody } from '../lib/problem.ts';
import { redactUrl } from '../lib/logging.ts';
import { UpstreamFault } from '../lib/upstream.ts';
import type { Upstream, UpstreamAnswer } from '../lib/upstream.ts';

export interface Environment {
  name: EnvironmentName;
  synthetic: boolean;
  /** Whether 1:1 validations are forwarded here (the emulator always; QI Tech when the administrator says so). */
  validation: boolean;
  upstream: Upstream;
  /**
   * The settings an administrator changes when the upstream refuses the key or cannot be reached,
   * and the one that turns validation on.
   */
  settings: { key: string; url?: string; validation?: string };
}

export interface ApiOptions {
  environments: readonly Environment[];
  /** Who may do what (every route asks), and the audit trail (every call is written to it). */
  guard: AccessGuard;
  /** How long an upstream may take (QITECH_TIMEOUT_MS), named in the timeout message. */
  upstreamTimeoutMs: number;
}

/** What was called, for the fault messages: only after a registration may something exist that staff did not see. */
type Call = 'registration' | 'lookup' | 'image' | 'validation';

/** An answer to send: the contract's fields of the upstream's success or of its 4xx refusal. */
interface Relayed {
  status: number;
  body: unknown;
}

/**
 * An upstream that gave no usable answer, as the console's own error. Each says what happened and
 * what to do; after a registration whose outcome is unknown, what to do is to look the CPF up first.
 */
function faultProblem(environment: Environment, call: Call, fault: UpstreamFault, timeoutMs: number): Problem {
  const service = `The ${environment.name} face recognition service`;
  const unknownOutcome =
    call === 'registration'
      ? 'The registration may have been created anyway: look the CPF up before sending it again.'
      : 'Try again in a moment.';
  switch (fault.kind) {
    case 'unreachable':
      return new Problem(
        502,
        'upstream_unreachable',
        `${service} could not be reached${fault.code === undefined ? '' : ` (${fault.code})`}; nothing was sent. Try again in a moment; if it persists, the console's administrator should check the network${environment.settings.url === undefined ? '' : ` and ${environment.settings.url}`}.`,
      );
    case 'timeout':
      return new Problem(504, 'upstream_timeout', `${service} did not answer within ${String(timeoutMs / 1000)} s. ${unknownOutcome}`);
    case 'connection_lost':
      return new Problem(
        502,
        'upstream_connection_lost',
        `The connection to ${service.slice(4)} was cut before it answered. ${unknownOutcome}`,
      );
    case 'too_large':
      return badAnswer(environment, call, fault.status ?? 0);
  }
}

/**
 * An answer that does not fit the contract. After a registration answered 2xx, the upstream says it
 * did something: the registration may well exist, so staff look the CPF up before sending again.
 */
function badAnswer(environment: Environment, call: Call, status: number): Problem {
  const mayExist = call === 'registration' && status >= 200 && status < 300;
  return new Problem(
    502,
    'bad_upstream_answer',
    `The ${environment.name} face recognition service answered HTTP ${String(status)} with something unexpected. ${
      mayExist
        ? 'The registration may have been created anyway: look the CPF up before sending it again.'
        : "Try again in a moment; if it persists, tell the console's administrator."
    }`,
    { upstreamStatus: status },
  );
}

/** A parsed answer with this upstream's key taken out of every text in it, nested ones included. */
function concealed(environment: Environment, value: unknown): unknown {
  if (typeof value === 'string') return environment.upstream.conceal(value);
  if (Array.isArray(value)) return value.map((item) => concealed(environment, item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, concealed(environment, inner)]));
  }
  return value;
}

/**
 * What is relayed of an answer the contract accepted: its fields (parsing dropped the others),
 * with this upstream's key taken out of every text; undefined if it cannot be sent as JSON.
 */
function relayable(environment: Environment, parsed: unknown): Record<string, unknown> | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = concealed(environment, parsed) as Record<string, unknown>;
  try {
    JSON.stringify(body);
  } catch {
    return undefined;
  }
  return body;
}

/**
 * An upstream's HTTP answer as the console's answer: the contract's fields of a success or of a
 * 4xx refusal, the rest explained.
 */
function answerOrProblem(environment: Environment, call: Call, success: z.ZodMiniType, answer: UpstreamAnswer): Relayed {
  const { status } = answer;
  if (status >= 200 && status < 300) {
    const parsed = success.safeParse(answer.body);
    const body = parsed.success ? relayable(environment, parsed.data) : undefined;
    if (body !== undefined) return { status, body };
    throw badAnswer(environment, call, status);
  }
  if (status === 401 || status === 403) {
    throw new Problem(
      502,
      'upstream_key_refused',
      `The ${environment.name} face recognition service refused this console's API key (HTTP ${String(status)}). This is a configuration problem, not a problem with this request: the console's administrator must check ${environment.settings.key}.`,
      { upstreamStatus: status },
    );
  }
  if (status >= 400 && status < 500) {
    // QI Tech's own refusal (image_quality, not found…): the person sees QI Tech's reason.
    const parsed = upstreamErrorBodySchema.safeParse(answer.body);
    const body = parsed.success ? relayable(environment, parsed.data) : undefined;
    if (body !== undefined) return { status, body };
    throw badAnswer(environment, call, status);
  }
  if (status >= 500 && status < 600) {
    throw new Problem(
      502,
      'upstream_error',
      `The ${environment.name} face recognition service failed (HTTP ${String(status)}). Nothing is wrong with what you sent; try again in a moment, and if it persists, tell the console's administrator.`,
      { upstreamStatus: status },
    );
  }
  // 1xx, 3xx (redirects are never followed: the key must not travel elsewhere), anything else.
  throw badAnswer(environment, call, status);
}

const registrationKeySchema = keySchema('registration_key');

/** The audit's outcome of a validation answered 2xx: QI Tech's verdict, when it is one the trail names. */
function validationOutcome(answer: ValidationAnswer): string {
  return answer.validation_result === 'pass' || answer.validation_result === 'fail' ? answer.validation_result : 'ok';
}

/**
 * The console API. Registration calls are checked with the contract before anything leaves,
 * then forwarded to the environment's upstream; of its answer, the contract's fields come back
 * when it has the contract's shape. Only these five calls exist (the four registration calls and
 * the 1:1 validation): this is no proxy to QI Tech.
 */
export const api: FastifyPluginCallback<ApiOptions> = (app, options, done) => {
  const { guard } = options;
  const byName = new Map(options.environments.map((environment) => [environment.name, environment]));
  const listing: EnvironmentsAnswer = {
    environments: options.environments.map(({ name, synthetic, validation }) => ({ name, synthetic, validation })),
  };

  const environmentOf = (request: FastifyRequest): Environment => {
    const { env } = request.params as { env: string };
    const found = byName.get(env as EnvironmentName);
    if (found === undefined) {
      const names = options.environments.map((e) => e.name).join(', ') || 'none';
      throw new Problem(404, 'environment_not_found', `The environment "${env}" is not configured on this console. Configured: ${names}.`);
    }
    return found;
  };

  /** Forwards one call and turns the upstream's answer or fault into the console's answer. */
  const relay = async (
    request: FastifyRequest,
    environment: Environment,
    call: Call,
    success: z.ZodMiniType,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ) => {
    const started = performance.now();
    const upstream = { environment: environment.name, method, path: redactUrl(path) };
    let answer: UpstreamAnswer;
    try {
      answer = await environment.upstream.call(method, path, body);
    } catch (error) {
      if (!(error instanceof UpstreamFault)) throw error;
      request.log.warn(
        { upstream: { ...upstream, fault: error.kind, code: error.code, ms: Math.round(performance.now() - started) } },
        'upstream fault',
      );
      throw faultProblem(environment, call, error, options.upstreamTimeoutMs);
    }
    try {
      return answerOrProblem(environment, call, success, answer);
    } catch (problem) {
      request.log.warn(
        { upstream: { ...upstream, status: answer.status, ms: Math.round(performance.now() - started) } },
        'upstream answer refused',
      );
      throw problem;
    }
  };

  app.get('/environments', (request): EnvironmentsAnswer => {
    const account = guard.require(request, 'lookup');
    return { environments: listing.environments.filter(({ name }) => mayUse(account, name)) };
  });
  methodNotAllowed(app, '/environments', ['GET']);

  const registration = '/:env/face_recognition/registration';
  const byKey = '/:env/face_recognition/registration/:registration_key';
  const byDocument = '/:env/face_recognition/registration/document_number/:document_number';
  const image = '/:env/face_recognition/image';
  const validation = '/:env/face_recognition/validation';

  interface Note {
    environment?: EnvironmentName;
    cpf?: string;
    registrationKey?: string;
    consentTerm?: string;
    faceCheckOverride?: FaceStatus;
    /** The outcome of an answer the console relays as a success, when it says more than `ok` (a validation's verdict). */
    result?: string;
  }

  /**
   * One audited call: who, which environment, the CPF (masked by the store), the registration key,
   * and the outcome — what the console answered, refusals and upstream faults included.
   */
  const audited =
    (
      action: 'register' | 'image' | 'lookup_key' | 'lookup_document' | 'validation',
      handler: (request: FastifyRequest, note: Note) => Promise<Relayed>,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const note: Note = {};
      let answer: Relayed;
      try {
        answer = await handler(request, note);
      } catch (error) {
        const problem = error instanceof Problem ? error : undefined;
        const { result: _result, ...entry } = note;
        await guard.audit(request, { action, ...entry, outcome: problem?.title ?? 'internal_error', status: problem?.statusCode ?? 500 });
        throw error;
      }
      const body = answer.body as { registration_key?: unknown; title?: unknown };
      const { result, ...entry } = note;
      const key = typeof body.registration_key === 'string' ? body.registration_key : entry.registrationKey;
      await guard.audit(request, {
        action,
        ...entry,
        ...(key === undefined ? {} : { registrationKey: key }),
        outcome: answer.status < 400 ? (result ?? 'ok') : String(body.title),
        status: answer.status,
      });
      return reply.code(answer.status).send(answer.body);
    };

  /**
   * A picture the console's face check refused, sent anyway (a registration or a validation): the
   * check's status, named by the SPA in a header, goes to the audit trail only. The upstream call
   * is built here, with no header of the client's.
   */
  const noteFaceCheckOverride = (request: FastifyRequest, note: Note): void => {
    const override = request.headers[FACE_CHECK_OVERRIDE_HEADER];
    if (override === undefined) return;
    const status = FACE_STATUSES.find((known) => known === override);
    if (status === undefined) {
      throw new Problem(
        400,
        'invalid_face_check_override',
        `The ${FACE_CHECK_OVERRIDE_HEADER} header names the console's face check that refused a picture sent anyway: one of ${FACE_STATUSES.join(', ')}. Leave it out when the picture passed the check.`,
      );
    }
    note.faceCheckOverride = status;
  };

  /** The environment named in the path, if this account may work in it with this capability. */
  const enter = (request: FastifyRequest, note: Note, capability: 'register' | 'lookup' | 'validate'): Environment => {
    const named = byName.get((request.params as { env: string }).env as EnvironmentName);
    if (named !== undefined) note.environment = named.name;
    // Who first: nobody learns which environments exist without logging in.
    guard.require(request, capability);
    const environment = environmentOf(request);
    note.environment = environment.name;
    guard.require(request, capability, environment.name);
    return environment;
  };

  app.post(
    registration,
    { bodyLimit: EMULATOR_BODY_LIMIT },
    audited('register', async (request, note) => {
      const environment = enter(request, note, 'register');
      const body = parse(registrationRequestSchema, requireBody(request));
      note.cpf = body.document_number;
      const consent = request.headers[CONSENT_HEADER];
      if (consent !== CONSENT_TERM.version) {
        throw new Problem(
          400,
          'consent_required',
          `A face is registered only with the customer's consent: confirm they accepted the consent term (version ${CONSENT_TERM.version}), sent as the ${CONSENT_HEADER} header.`,
        );
      }
      note.consentTerm = consent;
      noteFaceCheckOverride(request, note);
      return relay(request, environment, 'registration', registrationAnswerSchema, 'POST', '/face_recognition/registration', body);
    }),
  );

  app.get(
    byKey,
    audited('lookup_key', async (request, note) => {
      const environment = enter(request, note, 'lookup');
      const key = parse(registrationKeySchema, (request.params as { registration_key: string }).registration_key, 'registration_key');
      note.registrationKey = key;
      return relay(
        request,
        environment,
        'lookup',
        registrationAnswerSchema,
        'GET',
        `/face_recognition/registration/${encodeURIComponent(key)}`,
      );
    }),
  );

  app.get(
    byDocument,
    audited('lookup_document', async (request, note) => {
      const environment = enter(request, note, 'lookup');
      const documentNumber = parse(cpfSchema, (request.params as { document_number: string }).document_number, 'document_number');
      note.cpf = documentNumber;
      const path = `/face_recognition/registration/document_number/${encodeURIComponent(documentNumber)}`;
      return relay(request, environment, 'lookup', registrationAnswerSchema, 'GET', path);
    }),
  );

  app.post(
    image,
    { bodyLimit: EMULATOR_BODY_LIMIT },
    audited('image', async (request, note) => {
      const environment = enter(request, note, 'register');
      const body = parse(imageUploadRequestSchema, requireBody(request));
      return relay(request, environment, 'image', imageAnswerSchema, 'POST', '/face_recognition/image', body);
    }),
  );

  app.post(
    validation,
    { bodyLimit: EMULATOR_BODY_LIMIT },
    audited('validation', async (request, note) => {
      const environment = enter(request, note, 'validate');
      if (!environment.validation) {
        // Kept in the trail with the CPF it was for, when the body names a valid one.
        const named = cpfSchema.safeParse((request.body as { document_number?: unknown } | null | undefined)?.document_number);
        if (named.success) note.cpf = named.data;
        throw new Problem(
          403,
          'validation_not_enabled',
          `1:1 validation is not enabled for the ${environment.name} environment on this console: QI Tech's newer accounts validate through the Account Event API instead. If this account offers POST /face_recognition/validation, the console's administrator sets ${environment.settings.validation ?? 'its validation setting'}=on.`,
        );
      }
      // No consent header: a validation compares a picture with a registration and registers nothing.
      const body = parse(validationRequestSchema, requireBody(request));
      note.cpf = body.document_number;
      noteFaceCheckOverride(request, note);
      const relayed = await relay(request, environment, 'validation', validationAnswerSchema, 'POST', '/face_recognition/validation', body);
      if (relayed.status < 300) {
        const answer = relayed.body as ValidationAnswer;
        note.registrationKey = answer.registration.registration_key;
        note.result = validationOutcome(answer);
      }
      return relayed;
    }),
  );

  methodNotAllowed(app, registration, ['POST']);
  methodNotAllowed(app, byKey, ['GET']);
  methodNotAllowed(app, byDocument, ['GET']);
  methodNotAllowed(app, image, ['POST']);
  methodNotAllowed(app, validation, ['POST']);

  // Every other /api path is refused by the /api scope's JSON 404.
  done();
};
