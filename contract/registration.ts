import * as z from 'zod/mini';
import type { registrationRequestSchema } from './requests.ts';

/** A UUID of any version: QI Tech's SDKs issue the image keys, so no version is assumed. */
export const keySchema = (field: string) => z.guid({ error: `${field} must be a UUID, such as "3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c".` });

/*
 * Answers are plain `z.object`s: parsing drops every field the contract does not name. The console
 * relays what it parsed, so whatever else an upstream puts in an answer (an echoed request header,
 * the API key among them, a field nested too deep to serialise) never reaches a browser or the audit.
 */

/**
 * A face registered under another CPF that resembles this registration's (issue 13): the emulator's
 * stand-in for QI Tech's "Face Database Validation" event. The CPF comes hidden (`***.456.789-**`):
 * the console never learns the other customer's whole number from it.
 */
const duplicateFaceSchema = z.object({
  registration_key: keySchema('registration_key'),
  document_number: z.string().check(z.regex(/^\*\*\*\.\d{3}\.\d{3}-\*\*$/)),
  similarity_ratio: z.int().check(z.gte(0), z.lte(100)),
});

/**
 * Every successful registration call answers with the key; fields QI Tech may add are dropped.
 * `duplicate_faces` is the emulator's (QI Tech does not send it): the nearest faces under other
 * CPFs at or above the duplicate threshold (decision 009), most similar first, at most 5.
 */
export const registrationAnswerSchema = z.object({
  registration_key: keySchema('registration_key'),
  duplicate_faces: z.optional(z.array(duplicateFaceSchema).check(z.maxLength(5))),
});

export const imageAnswerSchema = z.object({
  image_key: keySchema('image_key'),
  file_size: z.int().check(z.nonnegative()),
  width_px: z.int().check(z.positive()),
  height_px: z.int().check(z.positive()),
  /** A timestamp; its format is not documented, so only its length is bounded. */
  created_at: z.string().check(z.maxLength(64)),
});

/** The image_status values the emulator answers; QI Tech documents only not_center. */
const imageStatusSchema = z.string();

/** An error's title: a snake_case identifier (`image_quality`), which the audit records as the outcome. */
const titleSchema = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/));

/**
 * A refusal as QI Tech and the emulator send it: a title, a sentence a person can act on, and
 * `image_status` for `image_quality`. Bounded, since the console relays it to staff.
 */
export const upstreamErrorBodySchema = z.object({
  title: titleSchema,
  description: z.string().check(z.maxLength(2000)),
  image_status: z.optional(titleSchema),
});

/** Every refusal of the console server: the upstream's, or its own (with what it adds about the upstream). */
export const errorBodySchema = z.object({
  title: z.string(),
  description: z.string(),
  image_status: z.optional(imageStatusSchema),
  /** The upstream's HTTP status, on the console server's answers about a failed upstream. */
  upstream_status: z.optional(z.number()),
  /** How long to wait before trying again (`too_many_attempts`). */
  retry_after_seconds: z.optional(z.number()),
});

export type RegistrationRequest = z.input<typeof registrationRequestSchema>;
export type RegistrationAnswer = z.infer<typeof registrationAnswerSchema>;
export type DuplicateFace = z.infer<typeof duplicateFaceSchema>;
export type ImageAnswer = z.infer<typeof imageAnswerSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;
