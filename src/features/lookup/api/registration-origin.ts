import { queryOptions } from '@tanstack/react-query';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { REGISTRATION_ORIGIN_NOT_FOUND, registrationOriginSchema } from '../../../../contract/registration-origin.ts';
import type { RegistrationOrigin } from '../../../../contract/registration-origin.ts';
import { ApiError, apiRequest } from '../../../api/client.ts';
import { registrationQueries } from '../../../api/registrations.ts';

/** When and by whom the console made a registration; null when it did not (made elsewhere). */
async function originOrNull(call: Promise<RegistrationOrigin>): Promise<RegistrationOrigin | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.title === REGISTRATION_ORIGIN_NOT_FOUND) return null;
    throw error;
  }
}

/** Keys under the environment's registrations: ['registrations', env, 'origin', key]. */
export const registrationOriginQueries = {
  all: (env: EnvironmentName) => [...registrationQueries.all(env), 'origin'] as const,
  byKey: (env: EnvironmentName, key: string) =>
    queryOptions({
      queryKey: [...registrationOriginQueries.all(env), key.toLowerCase()] as const,
      queryFn: ({ signal }) =>
        originOrNull(
          apiRequest(`/registrations/${env}/${encodeURIComponent(key.toLowerCase())}/origin`, registrationOriginSchema, { signal }),
        ),
    }),
};
