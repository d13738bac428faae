import * as z from 'zod/mini';
import { keySchema } from './registration.ts';

/*
 * The answer of a 1:1 validation, apart from registration.ts: only the validation page (lazy) and
 * the server need it, so it stays off the SPA's first page.
 */

/**
 * POST /face_recognition/validation (issue 13), as QI Tech documents it (its `image` object is not
 * described, so not named here). `similarity_ratio` is documented as an integer 0–100, but one of
 * QI Tech's examples sends the string "99": both are accepted; the emulator sends an integer.
 * `validation_result`: QI Tech shows only "pass"; the emulator answers "pass" or "fail".
 */
export const validationAnswerSchema = z.object({
  validation_key: keySchema('validation_key'),
  document_number: z.string().check(z.maxLength(32)),
  registration: z.object({
    registration_key: keySchema('registration_key'),
    registration_status: z.string().check(z.maxLength(64)),
    registration_date: z.string().check(z.maxLength(64)),
  }),
  similarity_ratio: z.union([z.int().check(z.gte(0), z.lte(100)), z.string().check(z.regex(/^(100|[1-9]?[0-9])$/))]),
  validation_result: z.string().check(z.maxLength(32)),
  validation_date: z.optional(z.string().check(z.maxLength(64))),
});

export type ValidationAnswer = z.infer<typeof validationAnswerSchema>;
