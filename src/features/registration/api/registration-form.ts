import * as z from 'zod/mini';
import { cpfSchema } from '../../../../contract/cpf.ts';
import { keySchema } from '../../../../contract/registration.ts';

export const PICTURE_SOURCES = ['webcam', 'upload', 'key'] as const;
export type PictureSource = (typeof PICTURE_SOURCES)[number];

const imageKeySchema = keySchema('image_key');

/**
 * The register form's fields, checked with the contract's own CPF schema (the one the server
 * applies to the request). The picture itself is not a text field: it is checked at submit.
 * `consent`: the customer accepted the consent term shown (the server refuses a registration
 * without its version, `consent_required`).
 */
export const registrationFormSchema = z
  .object({
    document_number: cpfSchema,
    consent: z.boolean().check(z.refine((accepted) => accepted, { error: 'the customer must accept the consent term' })),
    source: z.enum(PICTURE_SOURCES),
    image_key: z.string(),
  })
  .check(
    z.refine((form) => form.source !== 'key' || imageKeySchema.safeParse(form.image_key.trim()).success, {
      path: ['image_key'],
      error: 'image_key must be a UUID',
    }),
  );

export type RegistrationFormInput = z.input<typeof registrationFormSchema>;
export type RegistrationForm = z.output<typeof registrationFormSchema>;
