import * as z from 'zod/mini';
import { cpfSchema } from './cpf.ts';
import { BASE64_MESSAGES, MAX_IMAGE_BASE64_CHARS, MAX_IMAGE_BYTES, base64DecodedBytes, base64Problem } from './image.ts';

/** A UUID of any version: QI Tech's SDKs issue the image keys, so no version is assumed. */
export const keySchema = (field: string) => z.guid({ error: `${field} must be a UUID, such as "3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c".` });

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** A picture as plain base64: no `data:` header, no whitespace, at most MAX_IMAGE_BYTES once decoded. */
export const imageBase64Schema = z.string({ error: 'image must be the picture encoded as a base64 string.' }).check((ctx) => {
  // The size comes first: a 40 MB string is refused without scanning it.
  if (ctx.value.length > MAX_IMAGE_BASE64_CHARS + 2) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `The picture is about ${megabytes((ctx.value.length / 4) * 3)}; the most accepted is ${megabytes(MAX_IMAGE_BYTES)}. Reduce its resolution or JPEG quality and send it again.`,
      params: { image: 'too_large' },
    });
    return;
  }
  const problem = base64Problem(ctx.value);
  if (problem !== null) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: BASE64_MESSAGES[problem], params: { image: problem } });
    return;
  }
  const bytes = base64DecodedBytes(ctx.value);
  if (bytes > MAX_IMAGE_BYTES) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `The picture is ${megabytes(bytes)}; the most accepted is ${megabytes(MAX_IMAGE_BYTES)}. Reduce its resolution or JPEG quality and send it again.`,
      params: { image: 'too_large' },
    });
  }
});

/** POST /face_recognition/registration */
export const registrationRequestSchema = z
  .strictObject(
    {
      document_number: cpfSchema.check(
        z.meta({
          description: "The customer's CPF, masked (123.456.789-09) or digits only; stored masked.",
          examples: ['123.456.789-09'],
        }),
      ),
      image: z
        .optional(imageBase64Schema)
        .check(
          z.meta({ description: 'A JPEG or PNG picture of the face as plain base64 (no data: header), at most 3,000,000 bytes decoded.' }),
        ),
      image_key: z
        .optional(keySchema('image_key'))
        .check(z.meta({ description: "A key from POST /face_recognition/image or from QI Tech's mobile SDKs." })),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}. Send only document_number and either image or image_key.`
          : 'The body must be a JSON object: {"document_number": "...", "image": "..."} or {"document_number": "...", "image_key": "..."}.',
    },
  )
  .check((ctx) => {
    const { image, image_key } = ctx.value;
    if ((image === undefined) === (image_key === undefined)) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: [],
        message:
          image === undefined
            ? 'Send the picture: either image (base64) or image_key (from POST /face_recognition/image or the SDK).'
            : 'Send either image or image_key, not both.',
        params: { registration: image === undefined ? 'no_image' : 'both_images' },
      });
    }
  });

/** POST /face_recognition/image */
export const imageUploadRequestSchema = z.strictObject(
  {
    image: imageBase64Schema.check(
      z.meta({ description: 'A JPEG or PNG picture of the face as plain base64 (no data: header), at most 3,000,000 bytes decoded.' }),
    ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}. Send only image.`
        : 'The body must be a JSON object: {"image": "<base64>"}.',
  },
);

/*
 * Answers are plain `z.object`s: parsing drops every field the contract does not name. The console
 * relays what it parsed, so whatever else an upstream puts in an answer (an echoed request header,
 * the API key among them, a field nested too deep to serialise) never reaches a browser or the audit.
 */

/** Every successful registration call answers with the key; fields QI Tech may add are dropped. */
export const registrationAnswerSchema = z.object({ registration_key: keySchema('registration_key') });

export const imageAnswerSchema = z.object({
  image_key: keySchema('image_key'),
  file_size: z.int().check(z.nonnegative()),
  width_px: z.int().check(z.positive()),
  height_px: z.int().check(z.positive()),
  /** A timestamp; its format is not documented, so only its length is bounded. */
  created_at: z.string().check(z.maxLength(64)),
});

/** The image_status values the emulator answers; QI Tech documents only not_center. */
export const imageStatusSchema = z.string();

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
export type RegistrationRequestNormalised = z.output<typeof registrationRequestSchema>;
export type ImageUploadRequest = z.input<typeof imageUploadRequestSchema>;
export type RegistrationAnswer = z.infer<typeof registrationAnswerSchema>;
export type ImageAnswer = z.infer<typeof imageAnswerSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;
