import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { hideCpf } from '../../contract/cpf.ts';
import { registrationAnswerSchema } from '../../contract/registration.ts';
import { loadFaceDetector } from '../emulator/face-detector.ts';
import { DUPLICATE_RATIO } from '../emulator/face-match.ts';
import { acceptEveryFace } from '../emulator/image-check.ts';
import { emulatorApp, faceVariant } from './emulator-app.ts';
import { CPF_A, CPF_B, fixtureBase64, json, testEmulatorDatabase } from './helper.ts';

const REGISTRATION = '/face_recognition/registration';
const CPF_C = '390.533.447-05';

/** Registers and answers the parsed 201 (the contract's fields only). */
async function register(app: FastifyInstance, document: string, picture: { image: string } | { image_key: string }) {
  const response = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: document, ...picture } });
  expect(response.statusCode, response.body).toBe(201);
  return registrationAnswerSchema.parse(json(response));
}

async function byKey(app: FastifyInstance, key: string) {
  const response = await app.inject({ method: 'GET', url: `${REGISTRATION}/${key}` });
  expect(response.statusCode, response.body).toBe(200);
  return registrationAnswerSchema.parse(json(response));
}

beforeAll(async () => {
  await loadFaceDetector();
}, 30_000);

describe('duplicate faces across CPFs (issue 13)', () => {
  it('names the other CPF, hidden, when its face is registered again under a second CPF; a look-up by key says the same', async () => {
    const app = await emulatorApp();
    const first = await register(app, CPF_A, { image: fixtureBase64('portrait-A000014.jpg') });
    expect(first.duplicate_faces).toEqual([]);

    const second = await register(app, CPF_B, { image: await faceVariant('portrait-A000014.jpg', 'camera') });
    expect(second.duplicate_faces).toHaveLength(1);
    const [duplicate] = second.duplicate_faces ?? [];
    expect(duplicate).toMatchObject({ registration_key: first.registration_key, document_number: hideCpf(CPF_A) });
    expect(duplicate?.similarity_ratio).toBeGreaterThanOrEqual(DUPLICATE_RATIO);
    // The whole CPF never leaves the emulator in this answer.
    expect(JSON.stringify(second)).not.toContain(CPF_A);

    expect(await byKey(app, second.registration_key)).toEqual(second);
    // Kept as found when registered: the first registration still names none.
    expect(await byKey(app, first.registration_key)).toEqual(first);
  });

  it('names nobody for a different person, nor the same CPF registered again', async () => {
    const app = await emulatorApp();
    await register(app, CPF_A, { image: fixtureBase64('portrait-A000014.jpg') });
    expect((await register(app, CPF_C, { image: fixtureBase64('portrait-H001053.jpg') })).duplicate_faces).toEqual([]);
    expect((await register(app, CPF_A, { image: await faceVariant('portrait-A000014.jpg', 'crop') })).duplicate_faces).toEqual([]);
  });

  it('compares a registration by image_key too, and names each other CPF once, most similar first', async () => {
    const app = await emulatorApp();
    const a = await register(app, CPF_A, { image: await faceVariant('portrait-B001270.jpg', 'jpeg') });
    const c = await register(app, CPF_C, { image: fixtureBase64('portrait-B001270.jpg') });
    await register(app, CPF_C, { image: await faceVariant('portrait-B001270.jpg', 'brightness') });
    const uploaded = await app.inject({
      method: 'POST',
      url: '/face_recognition/image',
      payload: { image: fixtureBase64('portrait-B001270.jpg') },
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const b = await register(app, CPF_B, { image_key: String(json(uploaded).image_key) });
    const found = b.duplicate_faces ?? [];
    expect(found.map((d) => d.document_number)).toEqual([hideCpf(CPF_C), hideCpf(CPF_A)]);
    // CPF C's registration of the very same picture scores 100 and is the one named.
    expect(found[0]).toMatchObject({ registration_key: c.registration_key, similarity_ratio: 100 });
    expect(found[1]?.registration_key).toBe(a.registration_key);
  });

  it('finds faces registered before a restart and by another process (or instance) on the same database', async () => {
    const file = await testEmulatorDatabase();
    const one = await emulatorApp(undefined, file);
    const first = await register(one, CPF_A, { image: fixtureBase64('portrait-H001053.jpg') });
    const other = await emulatorApp(undefined, file);
    // `other` loads its index from the file on first use; `one` catches up with `other`'s rows.
    const second = await register(other, CPF_B, { image: await faceVariant('portrait-H001053.jpg', 'crop') });
    expect(second.duplicate_faces?.map((d) => d.registration_key)).toEqual([first.registration_key]);
    const third = await register(one, CPF_C, { image: await faceVariant('portrait-H001053.jpg', 'rotation') });
    expect(third.duplicate_faces?.map((d) => d.document_number).sort()).toEqual([hideCpf(CPF_A), hideCpf(CPF_B)].sort());
  });

  it('says nothing of duplicates for a picture accepted with the face check off (no descriptor to compare)', async () => {
    const app = await emulatorApp(acceptEveryFace);
    await register(app, CPF_A, { image: fixtureBase64('portrait-A000014.jpg') });
    const second = await register(app, CPF_B, { image: fixtureBase64('portrait-A000014.jpg') });
    expect(second).toEqual({ registration_key: second.registration_key });
    expect(await byKey(app, second.registration_key)).toEqual(second);
  });
});
