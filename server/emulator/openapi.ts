import * as z from 'zod/mini';
import { errorBodySchema, imageAnswerSchema, registrationAnswerSchema } from '../../contract/registration.ts';
import { validationAnswerSchema } from '../../contract/validation.ts';
import { imageUploadRequestSchema, registrationRequestSchema, validationRequestSchema } from '../../contract/requests.ts';
import { PASS_RATIO } from './face-match.ts';

/** JSON Schema of a contract schema, as a request accepts it or as an answer is sent. */
function schema(s: z.core.$ZodType, io: 'input' | 'output') {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' });
  return rest;
}

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const error = (description: string) => ({ description, ...json('Error') });

const refusals = {
  '401': error(
    "The Authorization header is missing or holds the wrong key (the console's /emulator always demands one; `npm run emulator` only with EMULATOR_API_KEY).",
  ),
  '405': error('Method not allowed on this path.'),
};
const bodyRefusals = {
  '400': error(
    'The request is malformed; the description says what to fix. Pictures that are not JPEG/PNG, damaged, or under 200x200 pixels are refused here.',
  ),
  '406': error('The body is not JSON.'),
  '413': error('The picture is over 3,000,000 bytes.'),
};

/**
 * OpenAPI 3.1 of the emulator, generated from the same zod schemas the emulator validates with,
 * so the document cannot drift from the behaviour.
 */
export function openApiDocument(prefix: string) {
  const server = prefix === '' ? '/' : prefix;
  return {
    openapi: '3.1.0',
    info: {
      title: 'QI Tech Face Recognition emulator',
      version: '1.0.0',
      description:
        "QI Tech's 1:1 face registration contract as documented at docs.qitech.com.br, emulated on SQLite. Where QI Tech is silent, the emulator's choices are in the console's docs/emulator.md.",
    },
    servers: [{ url: server }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'Authorization' } },
      schemas: {
        RegistrationRequest: schema(registrationRequestSchema, 'input'),
        RegistrationAnswer: schema(registrationAnswerSchema, 'output'),
        ImageRequest: schema(imageUploadRequestSchema, 'input'),
        ImageAnswer: schema(imageAnswerSchema, 'output'),
        ValidationRequest: schema(validationRequestSchema, 'input'),
        ValidationAnswer: schema(validationAnswerSchema, 'output'),
        Error: schema(errorBodySchema, 'output'),
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/face_recognition/registration': {
        post: {
          summary: 'Register a face for a CPF (exactly one of image and image_key)',
          requestBody: { required: true, ...json('RegistrationRequest') },
          responses: { '201': { description: 'Registered.', ...json('RegistrationAnswer') }, ...bodyRefusals, ...refusals },
        },
      },
      '/face_recognition/registration/{registration_key}': {
        get: {
          summary: 'Look a registration up by its key',
          parameters: [{ name: 'registration_key', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': { description: 'Found.', ...json('RegistrationAnswer') },
            '400': error('The key is not a UUID.'),
            '404': error('No registration has this key.'),
            ...refusals,
          },
        },
      },
      '/face_recognition/registration/document_number/{document_number}': {
        get: {
          summary: "Look up a CPF's newest registration",
          parameters: [{ name: 'document_number', in: 'path', required: true, schema: { type: 'string', examples: ['123.456.789-09'] } }],
          responses: {
            '200': { description: 'The newest registration of this CPF.', ...json('RegistrationAnswer') },
            '400': error('Not a valid CPF.'),
            '404': error('No registration for this CPF.'),
            ...refusals,
          },
        },
      },
      '/face_recognition/image': {
        post: {
          summary: 'Check and store a picture; answers an image_key for a later registration',
          requestBody: { required: true, ...json('ImageRequest') },
          responses: { '201': { description: 'Stored.', ...json('ImageAnswer') }, ...bodyRefusals, ...refusals },
        },
      },
      '/face_recognition/validation': {
        post: {
          summary: "1:1 validation: compare a picture (exactly one of image and image_key) with the CPF's newest registration",
          description: `The picture is checked as a registration's. similarity_ratio is 0–100 (the emulator sends an integer); validation_result is "pass" at ${String(PASS_RATIO)} or more, else "fail" (threshold measured: the console's docs/decisions/008-face-match-threshold.md).`,
          requestBody: { required: true, ...json('ValidationRequest') },
          responses: {
            '200': { description: 'Compared.', ...json('ValidationAnswer') },
            ...bodyRefusals,
            '404': error('No registration for this CPF.'),
            '409': error(
              'The registration or the picture has no face descriptor (stored before face matching, or with the face check off): nothing to compare.',
            ),
            ...refusals,
          },
        },
      },
    },
  };
}
