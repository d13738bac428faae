import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DESCRIPTOR_LENGTH } from '../emulator/face-match.ts';
import type { FaceDescriptor } from '../emulator/face-match.ts';
import type { FaceCheck } from '../emulator/image-check.ts';
import { openEmulatorStore } from '../emulator/open-store.ts';
import { SqliteEmulatorStore } from '../emulator/sqlite-store.ts';
import type { EmulatorStore, NewImage, StoredRegistration } from '../emulator/store.ts';
import { emulatorApp } from './emulator-app.ts';
import { CPF_A, CPF_B, fixtureBase64, json, refusal, tempDir, testEmulatorDatabase } from './helper.ts';

const REGISTRATION = '/face_recognition/registration';
const CPF_C = '390.533.447-05';
const CPF_D = '714.602.380-01';
const FACE = fixtureBase64('face-single-centered.jpg');

/** A face at `angle` radians from the first: cosines 0.955 (0.3 apart) and 0.825 (0.6), ratios 91 and 65. */
function faceAt(angle: number): FaceDescriptor {
  const descriptor = new Float32Array(DESCRIPTOR_LENGTH);
  descriptor[0] = Math.cos(angle);
  descriptor[1] = Math.sin(angle);
  return descriptor;
}

/** A face check that answers the given descriptors in turn (undefined: a picture without one). */
function facesInTurn(faces: (FaceDescriptor | undefined)[]): FaceCheck {
  let next = 0;
  return () => Promise.resolve(faces[next++]);
}

async function register(app: FastifyInstance, document: string): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: document, image: FACE } });
  expect(response.statusCode, response.body).toBe(201);
  return response;
}

/** A look-up's answer, byte for byte as sent, with its content type. */
async function lookUp(app: FastifyInstance, url: string): Promise<{ status: number; type: string; body: string }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, type: String(response.headers['content-type']), body: response.body };
}

describe('emulator look-ups: the registration as it was answered', () => {
  it('answers by CPF and by key exactly what the registration answered: no comparison, none found, several in rank order', async () => {
    const app = await emulatorApp(facesInTurn([faceAt(0), faceAt(0.3), faceAt(0.6), undefined]));
    const registered = [await register(app, CPF_A), await register(app, CPF_B), await register(app, CPF_C), await register(app, CPF_D)];
    // What each registration found, so that every shape of answer is looked up below.
    expect(registered.map((response) => json(response).duplicate_faces)).toEqual([
      [],
      [expect.objectContaining({ similarity_ratio: 91 })],
      [expect.objectContaining({ similarity_ratio: 91 }), expect.objectContaining({ similarity_ratio: 65 })],
      undefined,
    ]);

    for (const [index, document] of [CPF_A, CPF_B, CPF_C, CPF_D].entries()) {
      const answer = registered[index];
      if (answer === undefined) throw new Error('no registration');
      const expected = { status: 200, type: 'application/json; charset=utf-8', body: answer.body };
      expect(await lookUp(app, `${REGISTRATION}/document_number/${document}`), document).toEqual(expected);
      expect(await lookUp(app, `${REGISTRATION}/document_number/${document.replace(/\D/g, '')}`), document).toEqual(expected);
      expect(await lookUp(app, `${REGISTRATION}/${String(json(answer).registration_key)}`), document).toEqual(expected);
    }
  });

  it('answers the newest registration of a CPF, and refuses an unknown or malformed one as before', async () => {
    const app = await emulatorApp(facesInTurn([faceAt(0), faceAt(0.3), faceAt(0)]));
    await register(app, CPF_A);
    await register(app, CPF_B);
    const newest = await register(app, CPF_A);
    expect((await lookUp(app, `${REGISTRATION}/document_number/${CPF_A}`)).body).toBe(newest.body);

    refusal(await app.inject({ method: 'GET', url: `${REGISTRATION}/document_number/${CPF_C}` }), 404, 'registration_not_found');
    refusal(await app.inject({ method: 'GET', url: `${REGISTRATION}/document_number/12345` }), 400, 'invalid_document_number');
    refusal(
      await app.inject({ method: 'GET', url: `${REGISTRATION}/6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4` }),
      404,
      'registration_not_found',
    );
  });

  it('answers look-ups asked together each with its own registration', async () => {
    const store = await openEmulatorStore(await testEmulatorDatabase());
    onTestFinished(() => store.close());
    const [a, b, d] = await registerThree(store);
    // All in one turn of the event loop.
    const asked = [
      store.findRegistrationByDocument(CPF_B),
      store.findRegistrationByDocument(CPF_C),
      store.findRegistration(d.registration_key.toUpperCase()),
      store.findRegistrationByDocument(CPF_A),
      store.findRegistration(b.registration_key),
      store.findRegistrationByDocument(CPF_D),
    ];
    expect(await Promise.all(asked)).toEqual([b, undefined, d, a, b, d]);
  });

  it('on SQLite, answers the look-ups already asked when the store closes in the same turn', async () => {
    const store = new SqliteEmulatorStore(join(tempDir(), 'emulator.sqlite'));
    const [a, b] = await registerThree(store);
    const asked = Promise.all([store.findRegistrationByDocument(CPF_A), store.findRegistration(b.registration_key)]);
    const closed = store.close();
    expect(await asked).toEqual([a, b]);
    await closed;
    await expect(store.findRegistrationByDocument(CPF_A)).rejects.toThrow();
  });
});

/** CPF_A and CPF_B with faces alike (B names A as a duplicate), CPF_D with none. */
async function registerThree(store: EmulatorStore): Promise<[StoredRegistration, StoredRegistration, StoredRegistration]> {
  const picture = (descriptor: FaceDescriptor | undefined): NewImage => ({
    content: Buffer.from('picture'),
    mediaType: 'image/jpeg',
    width: 1,
    height: 1,
    descriptor,
  });
  const registered: [StoredRegistration, StoredRegistration, StoredRegistration] = [
    await store.registerWithImage(CPF_A, picture(faceAt(0))),
    await store.registerWithImage(CPF_B, picture(faceAt(0.3))),
    await store.registerWithImage(CPF_D, picture(undefined)),
  ];
  expect(registered.map((registration) => registration.duplicate_faces?.length)).toEqual([0, 1, undefined]);
  return registered;
}
