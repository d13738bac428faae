import * as z from 'zod/mini';
import { cpfSchema } from './cpf.ts';
import { BASE64_MESSAGES, MAX_IMAGE_BASE64_CHARS, MAX_IMAGE_BYTES, base64DecodedBytes, base64Problem } from './image.ts';
import { keySchema } from './registration.ts';

/*
 * The requests QI Tech's API takes, as the emulator and the console server check them. Apart from
 * registration.ts (its answers), which the browser imports: these schemas, their messages and
 * their OpenAPI descriptions stay off the first page.
 */

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** A picture as plain base64: no `data:` header, no whitespace, at most MAX_IMAGE_BYTES once decoded. */
const imageBase64Schema = z.string({ error: 'image must be the picture encoded as a base64 string.' }).check((ctx) => {
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

/**
 * A CPF and a picture (exactly one of image and image_key): the body of a registration and of a
 * 1:1 validation, which QI Tech documents with the same rules.
 */
const documentAndPictureSchema = (documentDescription: string) =>
  z
    .strictObject(
      {
        document_number: cpfSchema.check(
          z.meta({
            description: documentDescription,
            examples: ['123.456.789-09'],
          }),
        ),
        image: z.optional(imageBase64Schema).check(
          z.meta({
            description: 'A JPEG or PNG picture of the face as plain base64 (no data: header), at most 3,000,000 bytes decoded.',
          }),
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

/** POST /face_recognition/registration */
export const registrationRequestSchema = documentAndPictureSchema(
  "The customer's CPF, masked (123.456.789-09) or digits only; stored masked.",
);

/** POST /face_recognition/validation (issue 13): the same rules as a registration. */
export const validationRequestSchema = documentAndPictureSchema(
  "The customer's CPF, masked (123.456.789-09) or digits only: the picture is compared with its newest registration.",
);

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
