import { mutationOptions, queryOptions } from '@tanstack/react-query';
import * as z from 'zod/mini';
import { accountSchema, sessionAnswerSchema } from '../../contract/access.ts';
import type { LoginRequest } from '../../contract/access.ts';
import type { SetupRequest } from '../../contract/access-admin.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { ApiError, apiRequest } from './client.ts';

const loggedInSchema = z.object({ account: accountSchema });

/** Who is logged in on this browser: the one query every page waits for. */
export const sessionQueries = {
  current: () =>
    queryOptions({
      queryKey: ['session'] as const,
      queryFn: ({ signal }) => apiRequest('/session', sessionAnswerSchema, { signal }),
      // Changes only by logging in or out, which write it themselves; a lost session shows as a 401.
      staleTime: Infinity,
    }),
};

export const logIn = () =>
  mutationOptions({
    mutationKey: ['session', 'log-in'],
    mutationFn: (request: LoginRequest) => apiRequest('/session', loggedInSchema, { method: 'POST', body: request }),
  });

export const logOut = () =>
  mutationOptions({
    mutationKey: ['session', 'log-out'],
    // 204, or for a session of the identity provider the address of its logout (RP-initiated logout).
    mutationFn: () => apiRequest('/session', z.optional(z.object({ end_session_url: z.string() })), { method: 'DELETE' }),
  });

/** The environment chosen in the selector, remembered with the account: the console opens in it next time. */
export const chooseEnvironment = () =>
  mutationOptions({
    mutationKey: ['session', 'environment'],
    mutationFn: (environment: EnvironmentName) =>
      apiRequest('/session/environment', z.undefined(), { method: 'PUT', body: { environment } }),
  });

export const setUp = () =>
  mutationOptions({
    mutationKey: ['session', 'setup'],
    mutationFn: (request: SetupRequest) => apiRequest('/setup', loggedInSchema, { method: 'POST', body: request }),
  });

const SESSION_LOST_TITLES: readonly string[] = ['session_expired', 'not_authenticated'];

/** A call refused because this browser's session is gone (expired, or ended elsewhere): logging in again lets it through. */
export function isSessionLost(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 401 && SESSION_LOST_TITLES.includes(error.title);
}
