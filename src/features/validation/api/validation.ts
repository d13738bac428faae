import { mutationOptions } from '@tanstack/react-query';
import * as z from 'zod/mini';
import { FACE_CHECK_OVERRIDE_HEADER } from '../../../../contract/access.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfSchema } from '../../../../contract/cpf.ts';
import { keySchema } from '../../../../contract/registration.ts';
import { validationAnswerSchema } from '../../../../contract/validation.ts';
import type { ValidationAnswer } from '../../../../contract/validation.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import { apiRequest } from '../../../api/client.ts';
import { PICTURE_SOURCES } from '../../registration/api/registration-form.ts';

const imageKeySchema = keySchema('image_key');

/**
 * The validate form's fields: the CPF with the contract's own schema (the one the server applies to
 * the request, contract/requests.ts validationRequestSchema), and where the picture comes from. The
 * picture comes from the same places as a registration's (the register page's picture field) and
 * is checked at submit, as there. No consent: a validation registers nothing.
 */
export const validationFormSchema = z
  .object({
    document_number: cpfSchema,
    source: z.enum(PICTURE_SOURCES),
    image_key: z.string(),
  })
  .check(
    z.refine((form) => form.source !== 'key' || imageKeySchema.safeParse(form.image_key.trim()).success, {
      path: ['image_key'],
      error: 'image_key must be a UUID',
    }),
  );

export type ValidationFormInput = z.input<typeof validationFormSchema>;
export type ValidationForm = z.output<typeof validationFormSchema>;

/** The body of POST /api/{env}/face_recognition/validation: the CPF and exactly one of image (base64) and image_key. */
export type ValidationRequest = { document_number: string; image: string } | { document_number: string; image_key: string };

/** A validation to send: its body and, for a picture the console's check refused, the reason it is sent anyway (written to the audit trail). */
export interface Validation {
  request: ValidationRequest;
  faceCheckOverride?: FaceStatus | undefined;
}

export const validateFace = (env: EnvironmentName) =>
  mutationOptions({
    mutationKey: ['validate', env],
    // The request holds the picture: nothing keeps it once the call is over.
    gcTime: 0,
    mutationFn: ({ request, faceCheckOverride }: Validation) =>
      apiRequest(`/${env}/face_recognition/validation`, validationAnswerSchema, {
        method: 'POST',
        body: request,
        ...(faceCheckOverride === undefined ? {} : { headers: { [FACE_CHECK_OVERRIDE_HEADER]: faceCheckOverride } }),
      }),
  });

/** `similarity_ratio` as a number: QI Tech documents an integer, and one of its examples sends the string "99". */
export function similarityPercent(answer: ValidationAnswer): number {
  return typeof answer.similarity_ratio === 'number' ? answer.similarity_ratio : Number(answer.similarity_ratio);
}
