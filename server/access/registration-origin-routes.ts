import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Account } from '../../contract/access.ts';
import { environmentNameSchema } from '../../contract/console.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { REGISTRATION_ORIGIN_NOT_FOUND } from '../../contract/registration-origin.ts';
import type { RegistrationOrigin } from '../../contract/registration-origin.ts';
import { keySchema } from '../../contract/registration.ts';
import { Problem, methodNotAllowed, parseOrRefuse } from '../lib/problem.ts';
import type { AccessGuard } from './guard.ts';
import type { AccessStore } from './store.ts';

const registrationKeySchema = keySchema('registration_key');

/**
 * GET /api/registrations/{env}/{registration_key}/origin (contract/registration-origin.ts): when and
 * by whom this console made a registration, from the audit trail. For whoever may look
 * registrations up in that environment — support agents too, who may not read the trail itself —
 * so it answers only the date and the account of one successful `register`, nothing else of the
 * trail. Reading it is not audited (the look-up that shows it is); a refusal is, as `access_refused`.
 */
export const registrationOriginRoutes: FastifyPluginCallback<{ store: AccessStore; guard: AccessGuard }> = (
  app,
  { store, guard },
  done,
) => {
  /** The account, if it may look up (in `environment`, when given); a refusal is audited. */
  const allowed = async (request: FastifyRequest, environment?: EnvironmentName): Promise<Account> => {
    try {
      return guard.require(request, 'lookup', environment);
    } catch (error) {
      if (error instanceof Problem) {
        await guard.audit(request, {
          action: 'access_refused',
          environment: environment ?? null,
          outcome: error.title,
          status: error.statusCode,
        });
      }
      throw error;
    }
  };

  const path = '/registrations/:env/:registration_key/origin';
  app.get<{ Params: { env: string; registration_key: string } }>(path, async (request): Promise<RegistrationOrigin> => {
    // Who first: nobody learns what the console holds without being allowed to look up.
    await allowed(request);
    const env = environmentNameSchema.safeParse(request.params.env);
    if (!env.success) {
      throw new Problem(
        400,
        'invalid_environment',
        `"${request.params.env.slice(0, 40)}" is not an environment: use ${environmentNameSchema.options.join(', ')}.`,
      );
    }
    await allowed(request, env.data);
    // Only a registration the console answered as made has its key in the trail (api.ts,
    // `audited`); keys are compared without regard to case: QI Tech may write them in capitals.
    const key = parseOrRefuse(registrationKeySchema, request.params.registration_key, 'registration_key').toLowerCase();
    const row = await store.registrationOrigin(env.data, key);
    if (row === undefined || row.actor === null) {
      throw new Problem(
        404,
        REGISTRATION_ORIGIN_NOT_FOUND,
        `This console has no record of making the registration ${key} in the ${env.data} environment: it was made elsewhere (another system, or QI Tech directly).`,
      );
    }
    return { environment: env.data, registered_at: row.at, registered_by: row.actor };
  });
  methodNotAllowed(app, path, ['GET']);
  done();
};
