import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { validationAnswerSchema } from '../../contract/validation.ts';
import { loadFaceDetector } from '../emulator/face-detector.ts';
import { PASS_RATIO } from '../emulator/face-match.ts';
import { acceptEveryFace } from '../emulator/image-check.ts';
import { emulatorApp, faceVariant } from './emulator-app.ts';
import { CPF_A, CPF_B, fixture, fixtureBase64, json, refusal, tempDir, testEmulatorDatabase } from './helper.ts';

const REGISTRATION = '/face_recognition/registration';
const IMAGE = '/face_recognition/image';
const VALIDATION = '/face_recognition/validation';

async function register(app: FastifyInstance, document: string, image: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: document, image } });
  expect(response.statusCode, response.body).toBe(201);
  return String(json(response).registration_key);
}

const validate = (app: FastifyInstance, payload: unknown) => app.inject({ method: 'POST', url: VALIDATION, payload: payload as object });

beforeAll(async () => {
  await loadFaceDetector();
}, 30_000);

describe('POST /face_recognition/validation (issue 13)', () => {
  it('passes another picture of the registered face, in QI Tech shape', async () => {
    const app = await emulatorApp();
    const registrationKey = await register(app, CPF_A, fixtureBase64('portrait-A000014.jpg'));
    for (const change of ['camera', 'rotation', 'brightness']) {
      const response = await validate(app, { document_number: CPF_A, image: await faceVariant('portrait-A000014.jpg', change) });
      expect(response.statusCode, response.body).toBe(200);
      const answer = validationAnswerSchema.parse(json(response));
      expect(answer, change).toMatchObject({
        document_number: CPF_A,
        registration: { registration_key: registrationKey, registration_status: 'active' },
        validation_result: 'pass',
      });
      expect(answer.similarity_ratio).toBeGreaterThanOrEqual(PASS_RATIO);
      expect(Number.isInteger(answer.similarity_ratio)).toBe(true);
    }
  });

  it('passes by image_key, and compares with the newest registration of the CPF', async () => {
    const app = await emulatorApp();
    await register(app, CPF_B, fixtureBase64('portrait-B001270.jpg'));
    const newest = await register(app, CPF_B, fixtureBase64('portrait-H001053.jpg'));
    const uploaded = await app.inject({
      method: 'POST',
      url: IMAGE,
      payload: { image: await faceVariant('portrait-H001053.jpg', 'crop') },
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const response = await validate(app, { document_number: CPF_B, image_key: json(uploaded).image_key });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({ registration: { registration_key: newest }, validation_result: 'pass' });
    // The older registration's face no longer passes for this CPF.
    const older = await validate(app, { document_number: CPF_B, image: await faceVariant('portrait-B001270.jpg', 'jpeg') });
    expect(json(older)).toMatchObject({ validation_result: 'fail' });
  });

  it('fails for a different person', async () => {
    const app = await emulatorApp();
    await register(app, CPF_A, fixtureBase64('portrait-A000014.jpg'));
    for (const other of ['portrait-B001270.jpg', 'portrait-H001053.jpg', 'face-single-centered.jpg']) {
      const response = await validate(app, { document_number: CPF_A, image: fixtureBase64(other) });
      expect(response.statusCode, response.body).toBe(200);
      const answer = validationAnswerSchema.parse(json(response));
      expect(answer.validation_result, other).toBe('fail');
      expect(answer.similarity_ratio).toBeLessThan(PASS_RATIO);
    }
  });

  it('answers 404 for a CPF without a registration, before judging the picture', async () => {
    const app = await emulatorApp();
    const body = refusal(
      await validate(app, { document_number: CPF_A, image: fixtureBase64('portrait-A000014.jpg') }),
      404,
      'registration_not_found',
    );
    expect(body.description).toContain(CPF_A);
    refusal(await validate(app, { document_number: CPF_B, image: fixtureBase64('no-face-cat.png') }), 404, 'registration_not_found');
  });

  it('refuses a bad body exactly as a registration does', async () => {
    const app = await emulatorApp();
    await register(app, CPF_A, fixtureBase64('portrait-A000014.jpg'));
    const image = fixtureBase64('portrait-A000014.jpg');
    const bodies: unknown[] = [
      {},
      null,
      [],
      'text',
      42,
      { document_number: CPF_A },
      { document_number: CPF_A, image, image_key: '3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c' },
      { document_number: '123.456.789-00', image },
      { document_number: CPF_A, image: 'data:image/jpeg;base64,' + image },
      { document_number: CPF_A, image: 'not base64!' },
      { document_number: CPF_A, image: 12 },
      { document_number: CPF_A, image_key: 'not-a-uuid' },
      { document_number: CPF_A, image_key: '3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c' },
      { document_number: CPF_A, image, extra: 1 },
      { document_number: CPF_A, image: fixtureBase64('not-an-image.jpg') },
      { document_number: CPF_A, image: fixtureBase64('truncated.jpg') },
      { document_number: CPF_A, image: fixtureBase64('face-tiny-24px.jpg') },
      { document_number: CPF_A, image: fixtureBase64('no-face-cat.png') },
      { document_number: CPF_A, image: fixtureBase64('faces-two.jpg') },
      { document_number: CPF_A, image: 'A'.repeat(4_100_000) },
    ];
    for (const payload of bodies) {
      const asRegistration = await app.inject({ method: 'POST', url: REGISTRATION, payload: payload as object });
      const asValidation = await validate(app, payload);
      const label = JSON.stringify(payload).slice(0, 80);
      expect(asValidation.statusCode, label).toBeGreaterThanOrEqual(400);
      expect(asValidation.statusCode, label).toBeLessThan(500);
      expect(asValidation.statusCode, label).toBe(asRegistration.statusCode);
      expect(json(asValidation), label).toEqual(json(asRegistration));
    }
    const notJson = await app.inject({ method: 'POST', url: VALIDATION, headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(notJson.statusCode).toBeGreaterThanOrEqual(400);
    expect(notJson.statusCode).toBeLessThan(500);
    expect((await app.inject({ method: 'GET', url: VALIDATION })).statusCode).toBe(405);
  });

  it('answers 409 when the registration or the picture was stored without a descriptor (face check off)', async () => {
    const file = await testEmulatorDatabase();
    const off = await emulatorApp(acceptEveryFace, file);
    const app = await emulatorApp(undefined, file);
    const portrait = fixtureBase64('portrait-A000014.jpg');
    await register(off, CPF_A, portrait);
    refusal(await validate(app, { document_number: CPF_A, image: portrait }), 409, 'registration_not_comparable');

    await register(app, CPF_A, portrait);
    const withoutDescriptor = await off.inject({ method: 'POST', url: IMAGE, payload: { image: portrait } });
    refusal(await validate(app, { document_number: CPF_A, image_key: json(withoutDescriptor).image_key }), 409, 'image_not_comparable');
    refusal(await validate(off, { document_number: CPF_A, image: portrait }), 409, 'image_not_comparable');

    const withDescriptor = await app.inject({ method: 'POST', url: IMAGE, payload: { image: portrait } });
    expect(json(await validate(app, { document_number: CPF_A, image_key: json(withDescriptor).image_key }))).toMatchObject({
      validation_result: 'pass',
      similarity_ratio: 100,
    });
  });

  it('migrates a database made before descriptors: old registrations answer 409 until registered again', async () => {
    const file = join(tempDir(), 'v1.sqlite');
    const v1 = new Database(file);
    v1.exec(`CREATE TABLE images (image_key TEXT PRIMARY KEY, content BLOB NOT NULL, media_type TEXT NOT NULL, file_size INTEGER NOT NULL,
               width_px INTEGER NOT NULL, height_px INTEGER NOT NULL, created_at TEXT NOT NULL) STRICT;
             CREATE TABLE registrations (id INTEGER PRIMARY KEY AUTOINCREMENT, registration_key TEXT NOT NULL UNIQUE,
               document_number TEXT NOT NULL, image_key TEXT NOT NULL REFERENCES images (image_key), created_at TEXT NOT NULL) STRICT;
             CREATE INDEX registrations_by_document ON registrations (document_number, id);
             PRAGMA user_version = 1;`);
    const imageKey = '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11';
    v1.prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      imageKey,
      fixture('portrait-A000014.jpg'),
      'image/jpeg',
      1,
      225,
      275,
      'then',
    );
    v1.prepare('INSERT INTO registrations (registration_key, document_number, image_key, created_at) VALUES (?, ?, ?, ?)').run(
      '3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c',
      CPF_A,
      imageKey,
      'then',
    );
    v1.close();

    const app = await emulatorApp(undefined, file);
    const portrait = fixtureBase64('portrait-A000014.jpg');
    refusal(await validate(app, { document_number: CPF_A, image: portrait }), 409, 'registration_not_comparable');
    await register(app, CPF_A, portrait);
    expect(json(await validate(app, { document_number: CPF_A, image: portrait }))).toMatchObject({ validation_result: 'pass' });
  });

  it('documents the endpoint in the OpenAPI document', async () => {
    const app = await emulatorApp(acceptEveryFace);
    const doc = json(await app.inject({ method: 'GET', url: '/openapi.json' })) as { paths: Record<string, unknown> };
    expect(doc.paths[VALIDATION]).toMatchObject({ post: { responses: { '200': {}, '404': {}, '409': {} } } });
  });
});
