import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MAX_IMAGE_BYTES } from '../../contract/image.ts';
import { FACE_CHECK_QUEUE_LIMIT } from '../emulator/face-detector.ts';
import type { FaceCheck } from '../emulator/image-check.ts';
import { openEmulatorStore } from '../emulator/open-store.ts';
import { emulator } from '../emulator/plugin.ts';
import { CPF_A, CPF_B, buildTestApp, fixture, fixtureBase64, json, refusal, testEmulatorDatabase } from './helper.ts';

const REGISTRATION = '/emulator/face_recognition/registration';
const IMAGE = '/emulator/face_recognition/image';
const byKey = (key: string) => `${REGISTRATION}/${key}`;
const byDocument = (doc: string) => `${REGISTRATION}/document_number/${doc}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const FACE = fixtureBase64('face-single-centered.jpg');

describe('emulator: registration with an inline image', () => {
  it('registers a JPEG and a PNG, answers 201 with a UUID key that can be looked up', async () => {
    const app = await buildTestApp();
    for (const name of ['face-single-centered.jpg', 'face-single-small-image.png']) {
      const response = await app.inject({
        method: 'POST',
        url: REGISTRATION,
        payload: { document_number: CPF_A, image: fixtureBase64(name) },
      });
      expect(response.statusCode, name).toBe(201);
      const { registration_key } = json(response);
      expect(registration_key).toMatch(UUID);
      const found = await app.inject({ method: 'GET', url: byKey(String(registration_key)) });
      expect(found.statusCode).toBe(200);
      expect(json(found)).toEqual(json(response));
    }
  });

  it('accepts a CPF as digits only and stores it masked', async () => {
    const app = await buildTestApp();
    const created = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: '52998224725', image: FACE } });
    expect(created.statusCode).toBe(201);
    const found = await app.inject({ method: 'GET', url: byDocument(CPF_A) });
    expect(json(found)).toEqual(json(created));
    const foundByDigits = await app.inject({ method: 'GET', url: byDocument('52998224725') });
    expect(json(foundByDigits)).toEqual(json(created));
  });

  it('lookup by document answers the newest registration; the earlier key stays retrievable', async () => {
    const app = await buildTestApp();
    const first = json(await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image: FACE } }));
    const second = json(await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image: FACE } }));
    const other = json(await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_B, image: FACE } }));
    expect(new Set([first.registration_key, second.registration_key, other.registration_key]).size).toBe(3);
    expect(json(await app.inject({ method: 'GET', url: byDocument(CPF_A) }))).toEqual(second);
    expect(json(await app.inject({ method: 'GET', url: byDocument(CPF_B) }))).toEqual(other);
    expect(json(await app.inject({ method: 'GET', url: byKey(String(first.registration_key)) }))).toEqual(first);
  });

  it('gives 50 concurrent registrations 50 different keys, each retrievable', async () => {
    // About the store's keys, not faces: the face check would hold 8 at a time and refuse the rest (busy).
    const app = await buildTestApp({ emulatorFaceCheck: false });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image: FACE } })),
    );
    const keys = answers.map((a) => String(json(a).registration_key));
    expect(answers.every((a) => a.statusCode === 201)).toBe(true);
    expect(new Set(keys).size).toBe(50);
    for (const key of keys) expect((await app.inject({ method: 'GET', url: byKey(key) })).statusCode).toBe(200);
  });
});

describe('emulator: pictures are judged by their content', () => {
  it('refuses a text file named .jpg', async () => {
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: fixtureBase64('not-an-image.jpg') },
    });
    expect(refusal(response, 400, 'invalid_image').description).toMatch(/JPEG or PNG/);
  });

  it('refuses a truncated JPEG, whether the cut is in the header or in the picture data', async () => {
    const app = await buildTestApp();
    const headerCut = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: fixtureBase64('truncated.jpg') },
    });
    expect(refusal(headerCut, 400, 'invalid_image').description).toMatch(/damaged or incomplete/);
    const clean = await sharp(fixture('face-single-centered.jpg')).jpeg().toBuffer();
    const dataCut = clean.subarray(0, Math.floor(clean.length * 0.7));
    const response = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: dataCut.toString('base64') },
    });
    expect(refusal(response, 400, 'invalid_image').description).toMatch(/damaged or incomplete/);
    const pngCut = fixture('face-single-small-image.png').subarray(0, 60_000);
    const png = await app.inject({ method: 'POST', url: IMAGE, payload: { image: pngCut.toString('base64') } });
    refusal(png, 400, 'invalid_image');
  });

  it('refuses a truncated or corrupt picture larger than the pixels it keeps (reduced in the decode that checks it)', async () => {
    const app = await buildTestApp({ emulatorFaceCheck: false });
    const face = sharp(fixture('face-single-centered.jpg'));
    const jpeg = await face.clone().resize(2000, 2000, { fit: 'contain', background: '#d8d4cc' }).jpeg({ quality: 90 }).toBuffer();
    const png = await face.clone().extend({ top: 520, bottom: 520, left: 550, right: 550, background: '#d8d4cc' }).png().toBuffer();
    // Corrupt entropy-coded data in the middle of the JPEG (its markers left alone), and both cut short.
    const corrupt = Buffer.from(jpeg);
    for (let i = Math.floor(jpeg.length * 0.5); i < Math.floor(jpeg.length * 0.5) + 2000; i += 1)
      if (corrupt[i] !== 0xff) corrupt[i] = 0xa5;
    for (const broken of [jpeg.subarray(0, Math.floor(jpeg.length * 0.8)), corrupt, png.subarray(0, Math.floor(png.length * 0.8))]) {
      const response = await app.inject({ method: 'POST', url: IMAGE, payload: { image: broken.toString('base64') } });
      expect(refusal(response, 400, 'invalid_image').description).toMatch(/damaged or incomplete/);
    }
    // Whole, both are stored, with their own size.
    for (const [whole, side] of [
      [jpeg, 2000],
      [png, 1600],
    ] as const) {
      const response = await app.inject({ method: 'POST', url: IMAGE, payload: { image: whole.toString('base64') } });
      expect(json(response)).toMatchObject({ width_px: side, height_px: side });
    }
  });

  it('refuses a picture smaller than 200x200 and names its size', async () => {
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: fixtureBase64('face-tiny-24px.jpg') },
    });
    expect(refusal(response, 400, 'image_too_small').description).toContain('24x27');
  });

  it('refuses WebP and GIF, naming the format, even when they decode', async () => {
    const app = await buildTestApp();
    for (const [format, name] of [
      ['webp', 'WEBP'],
      ['gif', 'GIF'],
    ] as const) {
      const picture = await sharp(fixture('face-single-centered.jpg')).toFormat(format).toBuffer();
      const response = await app.inject({ method: 'POST', url: IMAGE, payload: { image: picture.toString('base64') } });
      expect(refusal(response, 400, 'unsupported_image_format').description).toContain(name);
    }
  });

  it('refuses over 3,000,000 decoded bytes with 413, and accepts exactly 3,000,000', async () => {
    const app = await buildTestApp();
    // A real JPEG padded with bytes after its end marker: decoders ignore them, sizes are exact.
    const face = fixture('face-single-centered.jpg');
    const exact = Buffer.concat([face, Buffer.alloc(MAX_IMAGE_BYTES - face.length)]);
    const accepted = await app.inject({ method: 'POST', url: IMAGE, payload: { image: exact.toString('base64') } });
    expect(accepted.statusCode).toBe(201);
    expect(json(accepted).file_size).toBe(MAX_IMAGE_BYTES);
    const over = Buffer.concat([exact, Buffer.alloc(1)]);
    const refused = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: over.toString('base64') },
    });
    expect(refusal(refused, 413, 'image_too_large').description).toMatch(/3\.0 MB/);
  });

  it('refuses a body far over the limit with 413 before reading it all', async () => {
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ document_number: CPF_A, image: 'A'.repeat(8_000_000) }),
    });
    refusal(response, 413, 'payload_too_large');
  });

  it('refuses a decompression bomb by its pixel count without decoding it', async () => {
    const app = await buildTestApp();
    const bomb = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: '#777' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const response = await app.inject({ method: 'POST', url: IMAGE, payload: { image: bomb.toString('base64') } });
    expect(refusal(response, 400, 'image_too_large').description).toContain('10000x6000');
  });

  it.each([
    ['a data: URL', `data:image/jpeg;base64,${FACE}`, /data:/],
    ['base64 with line breaks', `${FACE.slice(0, 76)}\n${FACE.slice(76)}`, /line breaks/],
    ['URL-safe base64', FACE.replace(/\+/g, '-').replace(/\//g, '_'), /URL-safe/],
    ['base64 without its padding', FACE.replace(/=+$/, ''), /multiple of 4/],
    ['an empty string', '', /empty/],
  ])('refuses %s with a description of the fix', async (_name, image, message) => {
    const app = await buildTestApp();
    if (image === FACE.replace(/=+$/, '')) expect(FACE.endsWith('=')).toBe(true);
    const response = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image } });
    expect(refusal(response, 400, 'invalid_image').description).toMatch(message);
  });
});

describe('emulator: image keys', () => {
  it('POST /image answers the key, size and dimensions; a registration may use that key', async () => {
    const app = await buildTestApp();
    const stored = await app.inject({ method: 'POST', url: IMAGE, payload: { image: fixtureBase64('face-single-small-image.png') } });
    expect(stored.statusCode).toBe(201);
    const body = json(stored);
    expect(body).toMatchObject({ file_size: fixture('face-single-small-image.png').length, width_px: 220, height_px: 260 });
    expect(body.image_key).toMatch(UUID);
    expect(new Date(String(body.created_at)).toISOString()).toBe(body.created_at);
    const registered = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image_key: body.image_key },
    });
    expect(registered.statusCode).toBe(201);
    expect(json(await app.inject({ method: 'GET', url: byDocument(CPF_A) }))).toEqual(json(registered));
  });

  it('refuses an image_key the emulator never issued, and one that is not a UUID', async () => {
    const app = await buildTestApp();
    const unknown = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image_key: '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11' },
    });
    expect(refusal(unknown, 400, 'image_key_not_found').description).toMatch(/POST \/face_recognition\/image/);
    const malformed = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image_key: 'abc' } });
    expect(refusal(malformed, 400, 'invalid_image_key').description).toMatch(/UUID/);
  });
});

describe('emulator: request shape', () => {
  it.each([
    [
      'both image and image_key',
      { document_number: CPF_A, image: FACE, image_key: '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11' },
      'invalid_request',
      /not both/,
    ],
    ['neither image nor image_key', { document_number: CPF_A }, 'invalid_request', /either image/],
    ['no document_number', { image: FACE }, 'invalid_document_number', /CPF/],
    ['a CPF with a wrong check digit', { document_number: '529.982.247-26', image: FACE }, 'invalid_document_number', /check digits/],
    ['a CPF of repeated digits', { document_number: '111.111.111-11', image: FACE }, 'invalid_document_number', /all digits equal/],
    ['a CPF half masked', { document_number: '529.982247-25', image: FACE }, 'invalid_document_number', /11 digits/],
    ['a CPF as a number', { document_number: 52998224725, image: FACE }, 'invalid_document_number', /string/],
    ['an unknown field', { document_number: CPF_A, image: FACE, imagem: FACE }, 'invalid_request', /"imagem"/],
    ['image as a number', { document_number: CPF_A, image: 12 }, 'invalid_image', /base64 string/],
  ])('refuses %s with 400', async (_name, payload, title, message) => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'POST', url: REGISTRATION, payload });
    expect(refusal(response, 400, title).description).toMatch(message);
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"hello"'],
    ['a number', '42'],
  ])('refuses %s as the body with 400', async (_name, payload) => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'POST', url: REGISTRATION, headers: { 'content-type': 'application/json' }, payload });
    expect(refusal(response, 400, 'invalid_request').description).toMatch(/JSON object/);
  });

  it.each([
    ['broken JSON', { 'content-type': 'application/json' }, '{"document_number": '],
    ['an empty JSON body', { 'content-type': 'application/json' }, ''],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }, 'document_number=1'],
    ['plain text', { 'content-type': 'text/plain' }, '{"document_number":"1"}'],
    ['no body at all', {}, undefined],
    ['a prototype-poisoning body', { 'content-type': 'application/json' }, '{"__proto__": {"admin": true}}'],
  ])('refuses %s with 406', async (_name, headers, payload) => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'POST', url: IMAGE, headers, ...(payload === undefined ? {} : { payload }) });
    expect(refusal(response, 406, 'invalid_json').description).toMatch(/JSON/);
  });
});

describe('emulator: lookups', () => {
  it('answers 404 with what to do for an unknown key and for a CPF with no registration', async () => {
    const app = await buildTestApp();
    expect(
      refusal(await app.inject({ method: 'GET', url: byKey('0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11') }), 404, 'registration_not_found')
        .description,
    ).toMatch(/CPF/);
    expect(refusal(await app.inject({ method: 'GET', url: byDocument(CPF_B) }), 404, 'registration_not_found').description).toContain(
      CPF_B,
    );
  });

  it('refuses a malformed key and a malformed CPF with 400', async () => {
    const app = await buildTestApp();
    refusal(await app.inject({ method: 'GET', url: byKey('not-a-key') }), 400, 'invalid_registration_key');
    refusal(await app.inject({ method: 'GET', url: byDocument('123') }), 400, 'invalid_document_number');
    expect(refusal(await app.inject({ method: 'GET', url: byDocument('%E0%A4%A') }), 400, 'invalid_url').description).toMatch(/%-escape/);
  });
});

describe('emulator: HTTP semantics', () => {
  it.each([
    ['DELETE', REGISTRATION, 'POST'],
    ['GET', REGISTRATION, 'POST'],
    ['PUT', byKey('0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11'), 'GET, HEAD'],
    ['POST', byDocument(CPF_A), 'GET, HEAD'],
    ['GET', IMAGE, 'POST'],
  ] as const)('answers %s %s with 405 and Allow', async (method, url, allow) => {
    const app = await buildTestApp();
    const response = await app.inject({ method, url });
    refusal(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe(allow);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = await buildTestApp();
    for (const url of ['/emulator/face_recognition/registrations', '/emulator/', '/emulator/face_recognition/registration/a/b/c']) {
      refusal(await app.inject({ method: 'GET', url }), 404, 'not_found');
    }
  });

  it('publishes an OpenAPI 3.1 document generated from the contract', async () => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/emulator/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = json(response) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: boolean }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/face_recognition/image',
      '/face_recognition/registration',
      '/face_recognition/registration/document_number/{document_number}',
      '/face_recognition/registration/{registration_key}',
      '/face_recognition/validation',
    ]);
    expect(doc.components.schemas.ValidationRequest).toMatchObject({ required: ['document_number'], additionalProperties: false });
    expect(doc.components.schemas.RegistrationRequest).toMatchObject({ required: ['document_number'], additionalProperties: false });
    expect(doc.components.schemas.ImageAnswer?.required).toEqual(['image_key', 'file_size', 'width_px', 'height_px', 'created_at']);
  });
});

describe('emulator: EMULATOR_API_KEY', () => {
  const KEY = 'test-key-5f2a';

  it('demands Authorization: <key> on every call once a key is set', async () => {
    const app = await buildTestApp({ emulatorApiKey: KEY });
    const missing = await app.inject({ method: 'GET', url: byDocument(CPF_A), headers: { authorization: '' } });
    expect(refusal(missing, 401, 'unauthorized').description).toMatch(/missing/);
    const wrong = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: 'other' },
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(refusal(wrong, 401, 'unauthorized').description).toMatch(/not valid/);
    const bearer = await app.inject({ method: 'GET', url: byDocument(CPF_A), headers: { authorization: `Bearer ${KEY}` } });
    refusal(bearer, 401, 'unauthorized');
    const right = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: KEY },
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(right.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/emulator/openapi.json' })).statusCode).toBe(200);
  });
});

describe('emulator: what is logged', () => {
  it('never logs the picture, the CPF or the API key', async () => {
    const lines: string[] = [];
    const app = await buildTestApp({ emulatorApiKey: 'secret-key-93c1', logLevel: 'trace' }, { write: (line) => lines.push(line) });
    await app.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: 'secret-key-93c1' },
      payload: { document_number: CPF_A, image: FACE },
    });
    await app.inject({ method: 'GET', url: byDocument(CPF_A), headers: { authorization: 'secret-key-93c1' } });
    await app.inject({ method: 'POST', url: '/api/local/face_recognition/registration', payload: { document_number: CPF_B, image: FACE } });
    await app.inject({ method: 'GET', url: '/api/local/face_recognition/registration/document_number/11144477735' });
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(4);
    expect(log).toContain('/document_number/[redacted]');
    for (const secret of [FACE.slice(1000, 1040), CPF_A, CPF_B, '11144477735', 'secret-key-93c1']) expect(log).not.toContain(secret);
  });
});

/** The emulator alone, with a face check that holds every picture until `open()`. */
async function emulatorWithHeldFaceCheck(): Promise<{ app: FastifyInstance; held: () => number; open: () => void }> {
  let held = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const faceCheck: FaceCheck = async () => {
    held += 1;
    await opened;
    return undefined;
  };
  const app = Fastify();
  await app.register(emulator, { store: await openEmulatorStore(await testEmulatorDatabase()), faceCheck });
  onTestFinished(async () => {
    open();
    await app.close();
  });
  await app.ready();
  return { app, held: () => held, open };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('emulator: the face check holds a bounded number of pictures (issue 11)', () => {
  it(`answers 503 busy with Retry-After once ${String(FACE_CHECK_QUEUE_LIMIT)} pictures are held, stores nothing of it, and takes pictures again once they are done`, async () => {
    const { app, held, open } = await emulatorWithHeldFaceCheck();
    const waiting = Array.from({ length: FACE_CHECK_QUEUE_LIMIT }, () =>
      app.inject({ method: 'POST', url: '/face_recognition/registration', payload: { document_number: CPF_A, image: FACE } }),
    );
    await until(() => held() === FACE_CHECK_QUEUE_LIMIT);

    for (const [url, payload] of [
      ['/face_recognition/registration', { document_number: CPF_B, image: FACE }],
      ['/face_recognition/image', { image: FACE }],
    ] as const) {
      const busy = await app.inject({ method: 'POST', url, payload });
      expect(refusal(busy, 503, 'busy').description).toMatch(/few seconds/);
      expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
      expect(busy.headers['content-type']).toMatch(/^application\/json/);
    }
    // Refused before its decode: the face check never saw it.
    expect(held()).toBe(FACE_CHECK_QUEUE_LIMIT);

    open();
    expect((await Promise.all(waiting)).map((r) => r.statusCode)).toEqual(Array(FACE_CHECK_QUEUE_LIMIT).fill(201));
    expect((await app.inject({ method: 'GET', url: `/face_recognition/registration/document_number/${CPF_B}` })).statusCode).toBe(404);
    // Every place was given back, refusals' included.
    const after = await Promise.all(
      Array.from({ length: FACE_CHECK_QUEUE_LIMIT }, () =>
        app.inject({ method: 'POST', url: '/face_recognition/image', payload: { image: FACE } }),
      ),
    );
    expect(after.map((r) => r.statusCode)).toEqual(Array(FACE_CHECK_QUEUE_LIMIT).fill(201));
  });

  it('gives the place back when a picture is refused before or by its face check', async () => {
    const { app, open } = await emulatorWithHeldFaceCheck();
    open();
    const broken = fixtureBase64('truncated.jpg');
    for (let i = 0; i < FACE_CHECK_QUEUE_LIMIT + 2; i += 1) {
      refusal(await app.inject({ method: 'POST', url: '/face_recognition/image', payload: { image: broken } }), 400, 'invalid_image');
    }
    const held = Array.from({ length: FACE_CHECK_QUEUE_LIMIT }, () =>
      app.inject({ method: 'POST', url: '/face_recognition/image', payload: { image: FACE } }),
    );
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual(Array(FACE_CHECK_QUEUE_LIMIT).fill(201));
  });

  it("the console's API answers a busy emulator as the local service's failure, naming its 503, and stores nothing", async () => {
    // The queue is the process's (one detector per process): held here by another emulator.
    const { held, open, app: other } = await emulatorWithHeldFaceCheck();
    const holding = Array.from({ length: FACE_CHECK_QUEUE_LIMIT }, () =>
      other.inject({ method: 'POST', url: '/face_recognition/image', payload: { image: FACE } }),
    );
    await until(() => held() === FACE_CHECK_QUEUE_LIMIT);
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      payload: { document_number: CPF_B, image: FACE },
    });
    const body = refusal(response, 502, 'upstream_error');
    expect(body.upstream_status).toBe(503);
    expect(body.description).toMatch(/try again/);
    expect((await app.inject({ method: 'GET', url: byDocument(CPF_B) })).statusCode).toBe(404);
    open();
    expect((await Promise.all(holding)).map((r) => r.statusCode)).toEqual(Array(FACE_CHECK_QUEUE_LIMIT).fill(201));
  });

  it('an emulator without the face check (EMULATOR_FACE_CHECK=off) is not bounded by it', async () => {
    const app = await buildTestApp({ emulatorFaceCheck: false });
    const answers = await Promise.all(
      Array.from({ length: FACE_CHECK_QUEUE_LIMIT * 3 }, () => app.inject({ method: 'POST', url: IMAGE, payload: { image: FACE } })),
    );
    expect(answers.every((a) => a.statusCode === 201)).toBe(true);
  });
});
