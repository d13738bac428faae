import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER } from '../../contract/access.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../contract/registration.ts';
import type { RegistrationRequest } from '../../contract/registration.ts';
import { ApiError, apiRequest } from './client.ts';

const base = (env: EnvironmentName) => `/${env}/face_recognition`;

/** A 404 on a lookup is an answer ("no registration"), not a failure: it resolves to null. */
async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.title === 'registration_not_found') return null;
    throw error;
  }
}

/** Query keys from generic to specific: ['registrations', env, 'by-key' | 'by-document', value]. */
export const registrationQueries = {
  all: (env: EnvironmentName) => ['registrations', env] as const,
  byKey: (env: EnvironmentName, key: string) =>
    queryOptions({
      queryKey: [...registrationQueries.all(env), 'by-key', key.toLowerCase()] as const,
      queryFn: ({ signal }) =>
        orNull(apiRequest(`${base(env)}/registration/${encodeURIComponent(key)}`, registrationAnswerSchema, { signal })),
    }),
  byDocument: (env: EnvironmentName, cpf: string) =>
    queryOptions({
      queryKey: [...registrationQueries.all(env), 'by-document', cpf] as const,
      queryFn: ({ signal }) =>
        orNull(apiRequest(`${base(env)}/registration/document_number/${encodeURIComponent(cpf)}`, registrationAnswerSchema, { signal })),
      // A registration made elsewhere a moment ago must show: look-ups are always fresh.
      staleTime: 0,
    }),
};

/**
 * A registration, the version of the consent term the customer accepted for it, and, when the
 * console's face check refused its picture and the person sent it anyway, that check's status.
 */
export interface Registration {
  request: RegistrationRequest;
  consentTerm: string;
  faceCheckOverride?: FaceStatus | undefined;
}

export const registerFace = (env: EnvironmentName) =>
  mutationOptions({
    mutationKey: ['register', env],
    // The request holds the picture: nothing keeps it once the call is over.
    gcTime: 0,
    mutationFn: ({ request, consentTerm, faceCheckOverride }: Registration) =>
      apiRequest(`${base(env)}/registration`, registrationAnswerSchema, {
        method: 'POST',
        body: request,
        headers: {
          [CONSENT_HEADER]: consentTerm,
          // Audited by the server: a picture sent although the console's own check refused it.
          ...(faceCheckOverride === undefined ? {} : { [FACE_CHECK_OVERRIDE_HEADER]: faceCheckOverride }),
        },
      }),
  });

export const uploadImage = (env: EnvironmentName) =>
  mutationOptions({
    mutationKey: ['image', env],
    gcTime: 0,
    mutationFn: (image: string) => apiRequest(`${base(env)}/image`, imageAnswerSchema, { method: 'POST', body: { image } }),
  });
