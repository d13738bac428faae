import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import * as z from 'zod/mini';
import { cpfSchema } from '../../contract/cpf.ts';
import { keySchema, registrationAnswerSchema } from '../../contract/registration.ts';
import { imageUploadRequestSchema, registrationRequestSchema, validationRequestSchema } from '../../contract/requests.ts';
import type { ImageAnswer, RegistrationAnswer } from '../../contract/registration.ts';
import type { ValidationAnswer } from '../../contract/validation.ts';
import { Problem, jsonBodiesOnly, jsonErrors, methodNotAllowed, parseOrRefuse as parse, requireBody as body } from '../lib/problem.ts';
import { admitFaceCheck, detectedFaceCheck } from './face-detector.ts';
import { acceptEveryFace, inspectPicture } from './image-check.ts';
import type { FaceCheck } from './image-check.ts';
import { compareFaces } from './face-match.ts';
import type { FaceDescriptor } from './face-match.ts';
import { openApiDocument } from './openapi.ts';
import type { EmulatorStore } from './store.ts';

export interface EmulatorOptions {
  /** Its database (open-store.ts: a SQLite file, or PostgreSQL); closed with the plugin. */
  store: EmulatorStore;
  /** When set, every call must carry `Authorization: <apiKey>`, as QI Tech demands. */
  apiKey?: string | undefined;
  /** Said with a refused key: where to find the right one (the console's emulator). */
  keyHint?: string | undefined;
  /** Judges each picture's face; by default the real check (face-detector.ts), as QI Tech judges. */
  faceCheck?: FaceCheck;
}

/** Request bodies: a 3,000,000-byte picture is 4,000,000 base64 characters; the rest is slack. */
export const EMULATOR_BODY_LIMIT = 6 * 1024 * 1024;

const PATHS = {
  registration: '/face_recognition/registration',
  byKey: '/face_recognition/registration/:registration_key',
  byDocument: '/face_recognition/registration/document_number/:document_number',
  image: '/face_recognition/image',
  validation: '/face_recognition/validation',
} as const;

/** What a validation answers as `registration_status`: QI Tech documents the field, not its values. */
const REGISTRATION_STATUS = 'active';

const IMAGE_KEY_NOT_FOUND =
  'No picture has this image_key here. Send the picture to POST /face_recognition/image first and use the image_key it answers.';

const registrationKeySchema = keySchema('registration_key');

/**
 * The look-ups' answers serialized by fast-json-stringify from the contract's schema: the register
 * page and the bulk jobs look a CPF up before every registration. Refusals keep JSON.stringify
 * (no schema for their statuses).
 */
const { $schema: _dialect, ...registrationAnswerJson } = z.toJSONSchema(registrationAnswerSchema, { io: 'output' });
const LOOKUP_OPTIONS = { schema: { response: { 200: registrationAnswerJson } } };

/** Why a request's key is refused; undefined when it is the right one. */
function authorizer(apiKey: string | undefined, keyHint = ''): ((request: FastifyRequest) => Problem | undefined) | undefined {
  if (apiKey === undefined || apiKey === '') return undefined;
  const expected = Buffer.from(apiKey);
  const hint = keyHint === '' ? '' : ` ${keyHint}`;
  return (request) => {
    const given = request.headers.authorization;
    if (given === undefined || given === '') {
      return new Problem(401, 'unauthorized', `The Authorization header is missing. Send the API key in it, as is (no "Bearer").${hint}`);
    }
    const received = Buffer.from(given);
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      return new Problem(
        401,
        'unauthorized',
        `The API key in the Authorization header is not valid. Check the key configured for this environment.${hint}`,
      );
    }
    return undefined;
  };
}

/**
 * QI Tech's face registration contract (QITECH-API.md) on SQLite or PostgreSQL. Mount it with a
 * prefix (`/emulator` in the console) or at the root of its own server (`npm run emulator`).
 */
export const emulator: FastifyPluginCallback<EmulatorOptions> = (app, options, done) => {
  const { store } = options;
  app.addHook('onClose', async () => {
    await store.close();
  });
  // In the background: the first registration after a start need not load the whole base.
  store.loadFaceIndex().catch((error: unknown) => {
    app.log.error({ err: error }, 'loading the duplicate-face index failed; registrations load it themselves');
  });
  const faceCheck = options.faceCheck ?? detectedFaceCheck;

  jsonErrors(app);
  jsonBodiesOnly(app);

  const authorize = authorizer(options.apiKey, options.keyHint);
  if (authorize !== undefined) {
    const openApiUrl = `${app.prefix}/openapi.json`;
    app.addHook('onRequest', (request, _reply, done) => {
      const refused = authorize(request);
      // The contract itself is public, as QI Tech's documentation is. Asked only of a refusal:
      // request.routeOptions builds an object at each read, which a call with its key need not pay.
      if (refused === undefined || request.routeOptions.url === openApiUrl) done();
      else done(refused);
    });
  }

  const decode = async (image: string) => {
    // A face-checked picture holds a place in the detector's bounded queue from before its decode
    // to its verdict, so the bound covers its pixels too; none left: 503 busy, nothing decoded.
    const release = faceCheck === acceptEveryFace ? undefined : admitFaceCheck();
    try {
      const picture = await inspectPicture(Buffer.from(image, 'base64'));
      // The face check's own detection gives the descriptor: no second decode or detection.
      const descriptor = await faceCheck(picture);
      return { ...picture, descriptor };
    } finally {
      release?.();
    }
  };

  app.post(PATHS.registration, { bodyLimit: EMULATOR_BODY_LIMIT }, async (request, reply): Promise<RegistrationAnswer> => {
    const { document_number, image, image_key } = parse(registrationRequestSchema, body(request));
    const registered =
      image !== undefined
        ? await store.registerWithImage(document_number, await decode(image))
        : await store.registerWithKey(document_number, image_key ?? '');
    if (registered === undefined) throw new Problem(400, 'image_key_not_found', IMAGE_KEY_NOT_FOUND);
    void reply.code(201);
    return registered;
  });

  app.get<{ Params: { registration_key: string } }>(PATHS.byKey, LOOKUP_OPTIONS, async (request): Promise<RegistrationAnswer> => {
    const key = parse(registrationKeySchema, request.params.registration_key, 'registration_key');
    const found = await store.findRegistration(key);
    if (found === undefined) {
      throw new Problem(404, 'registration_not_found', 'No registration has this key. Check the key, or look the customer up by CPF.');
    }
    return found;
  });

  app.get<{ Params: { document_number: string } }>(PATHS.byDocument, LOOKUP_OPTIONS, async (request): Promise<RegistrationAnswer> => {
    const documentNumber = parse(cpfSchema, request.params.document_number, 'document_number');
    const found = await store.findRegistrationByDocument(documentNumber);
    if (found === undefined) {
      throw new Problem(404, 'registration_not_found', `No face is registered for CPF ${documentNumber}. Register one first.`);
    }
    return found;
  });

  app.post(PATHS.image, { bodyLimit: EMULATOR_BODY_LIMIT }, async (request, reply): Promise<ImageAnswer> => {
    const { image } = parse(imageUploadRequestSchema, body(request));
    const stored = await store.storeImage(await decode(image));
    void reply.code(201);
    return stored;
  });

  /** The descriptor of a validation's picture: sent inline (checked as a registration's) or by image_key. */
  const probeDescriptor = async (image: string | undefined, imageKey: string | undefined): Promise<FaceDescriptor> => {
    let descriptor: FaceDescriptor | null | undefined;
    if (image !== undefined) {
      descriptor = (await decode(image)).descriptor ?? null;
    } else {
      descriptor = await store.findImageDescriptor(imageKey ?? '');
      if (descriptor === undefined) throw new Problem(400, 'image_key_not_found', IMAGE_KEY_NOT_FOUND);
    }
    if (descriptor === null) {
      throw new Problem(
        409,
        'image_not_comparable',
        "This picture has no face descriptor to compare: it was accepted while the emulator's face check was off (EMULATOR_FACE_CHECK=off). Turn the face check on and send the picture again.",
      );
    }
    return descriptor;
  };

  app.post(PATHS.validation, { bodyLimit: EMULATOR_BODY_LIMIT }, async (request): Promise<ValidationAnswer> => {
    const { document_number, image, image_key } = parse(validationRequestSchema, body(request));
    // Looked up first: an unknown CPF is answered before any picture is decoded.
    const registration = await store.findRegistrationForValidation(document_number);
    if (registration === undefined) {
      throw new Problem(404, 'registration_not_found', `No face is registered for CPF ${document_number}. Register one first.`);
    }
    if (registration.descriptor === undefined) {
      throw new Problem(
        409,
        'registration_not_comparable',
        `The newest registration of CPF ${document_number} has no face descriptor to compare with (it was made before face matching, or with the emulator's face check off). Register the face again, then validate.`,
      );
    }
    const probe = await probeDescriptor(image, image_key);
    return {
      validation_key: randomUUID(),
      document_number,
      registration: {
        registration_key: registration.registration_key,
        registration_status: REGISTRATION_STATUS,
        registration_date: registration.created_at,
      },
      ...compareFaces(registration.descriptor, probe),
      validation_date: new Date().toISOString(),
    };
  });

  methodNotAllowed(app, PATHS.registration, ['POST']);
  methodNotAllowed(app, PATHS.validation, ['POST']);
  methodNotAllowed(app, PATHS.byKey, ['GET']);
  methodNotAllowed(app, PATHS.byDocument, ['GET']);
  methodNotAllowed(app, PATHS.image, ['POST']);

  const openApi = JSON.stringify(openApiDocument(app.prefix));
  app.get('/openapi.json', (_request, reply) => reply.type('application/json').send(openApi));
  done();
};
