import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { z } from 'zod/mini';
import type { EnvironmentName, EnvironmentsAnswer } from '../../contract/console.ts';
import { cpfSchema } from '../../contract/cpf.ts';
import {
  errorBodySchema,
  imageAnswerSchema,
  imageUploadRequestSchema,
  keySchema,
  registrationAnswerSchema,
  registrationRequestSchema,
} from '../../contract/registration.ts';
import { EMULATOR_BODY_LIMIT } from '../emulator/plugin.ts';
import { Problem, jsonBodiesOnly, jsonErrors, methodNotAllowed, parseOrRefuse as parse, requireBody } from '../lib/problem.ts';
import type { Upstream } from '../lib/upstream.ts';

export interface Environment {
  name: EnvironmentName;
  synthetic: boolean;
  upstream: Upstream;
}

export interface ApiOptions {
  environments: readonly Environment[];
}

const registrationKeySchema = keySchema('registration_key');

/**
 * The console API. Registration calls are checked with the contract before anything leaves,
 * then forwarded to the environment's upstream; its answer comes back as it is when it has the
 * contract's shape. Only these four calls exist: this is no proxy to QI Tech.
 */
export const api: FastifyPluginCallback<ApiOptions> = (app, options, done) => {
  jsonErrors(app);
  jsonBodiesOnly(app);

  const byName = new Map(options.environments.map((environment) => [environment.name, environment]));
  const listing: EnvironmentsAnswer = {
    environments: options.environments.map(({ name, synthetic }) => ({ name, synthetic })),
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

  /** Relays an upstream answer that fits the contract; anything else is the upstream's fault (502). */
  const relay = async (environment: Environment, success: z.ZodMiniType, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const answer = await environment.upstream.call(method, path, body);
    const expected = answer.status >= 200 && answer.status < 300 ? success : errorBodySchema;
    const parsed = expected.safeParse(answer.body);
    if (!parsed.success || answer.status >= 500) {
      throw new Problem(
        502,
        'bad_upstream_answer',
        `The ${environment.name} face recognition service answered HTTP ${String(answer.status)} with something unexpected. Try again in a moment; if it persists, tell the console's administrator.`,
      );
    }
    return { status: answer.status, body: parsed.data };
  };

  app.get('/environments', (): EnvironmentsAnswer => listing);
  methodNotAllowed(app, '/environments', ['GET']);

  const registration = '/:env/face_recognition/registration';
  const byKey = '/:env/face_recognition/registration/:registration_key';
  const byDocument = '/:env/face_recognition/registration/document_number/:document_number';
  const image = '/:env/face_recognition/image';

  app.post(registration, { bodyLimit: EMULATOR_BODY_LIMIT }, async (request, reply) => {
    const environment = environmentOf(request);
    const body = parse(registrationRequestSchema, requireBody(request));
    const answer = await relay(environment, registrationAnswerSchema, 'POST', '/face_recognition/registration', body);
    return reply.code(answer.status).send(answer.body);
  });

  app.get(byKey, async (request, reply) => {
    const environment = environmentOf(request);
    const key = parse(registrationKeySchema, (request.params as { registration_key: string }).registration_key, 'registration_key');
    const answer = await relay(environment, registrationAnswerSchema, 'GET', `/face_recognition/registration/${encodeURIComponent(key)}`);
    return reply.code(answer.status).send(answer.body);
  });

  app.get(byDocument, async (request, reply) => {
    const environment = environmentOf(request);
    const documentNumber = parse(cpfSchema, (request.params as { document_number: string }).document_number, 'document_number');
    const answer = await relay(
      environment,
      registrationAnswerSchema,
      'GET',
      `/face_recognition/registration/document_number/${encodeURIComponent(documentNumber)}`,
    );
    return reply.code(answer.status).send(answer.body);
  });

  app.post(image, { bodyLimit: EMULATOR_BODY_LIMIT }, async (request, reply) => {
    const environment = environmentOf(request);
    const body = parse(imageUploadRequestSchema, requireBody(request));
    const answer = await relay(environment, imageAnswerSchema, 'POST', '/face_recognition/image', body);
    return reply.code(answer.status).send(answer.body);
  });

  methodNotAllowed(app, registration, ['POST']);
  methodNotAllowed(app, byKey, ['GET']);
  methodNotAllowed(app, byDocument, ['GET']);
  methodNotAllowed(app, image, ['POST']);

  // Every other /api path is refused by jsonErrors' JSON 404.
  done();
};
