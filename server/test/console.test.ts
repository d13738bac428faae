import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CPF_A, CPF_B, buildTestApp, fixtureBase64, json, refusal } from './helper.ts';

const API = '/api/local/face_recognition';
const FACE = fixtureBase64('face-single-centered.jpg');

describe('console API: environments', () => {
  it('lists the local emulator by default', async () => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/api/environments' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ environments: [{ name: 'local', synthetic: true, validation: true }] });
  });

  it('lists none with LOCAL_EMULATOR=off, and the emulator is not mounted', async () => {
    const app = await buildTestApp({ localEmulator: false });
    expect(json(await app.inject({ method: 'GET', url: '/api/environments' }))).toEqual({ environments: [] });
    const call = await app.inject({ method: 'GET', url: `${API}/registration/document_number/${CPF_A}` });
    expect(refusal(call, 404, 'environment_not_found').description).toContain('Configured: none');
    expect((await app.inject({ method: 'GET', url: '/emulator/openapi.json' })).statusCode).toBe(404);
  });

  it('refuses an environment that is not configured', async () => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: `/api/production/face_recognition/registration/document_number/${CPF_A}` });
    expect(refusal(response, 404, 'environment_not_found').description).toContain('Configured: local');
  });
});

describe('console API: the four calls, forwarded to the environment', () => {
  it('registers, looks up by key and by CPF, and stores an image through /api/local', async () => {
    const app = await buildTestApp();
    const created = await app.inject({
      method: 'POST',
      url: `${API}/registration`,
      payload: { document_number: '52998224725', image: FACE },
    });
    expect(created.statusCode).toBe(201);
    const key = String(json(created).registration_key);
    // What the console created is what the emulator holds; the emulator's duplicate_faces is relayed.
    const registered = { registration_key: key, duplicate_faces: [] };
    expect(json(created)).toEqual(registered);
    expect(json(await app.inject({ method: 'GET', url: `/emulator/face_recognition/registration/${key}` }))).toEqual(registered);
    expect(json(await app.inject({ method: 'GET', url: `${API}/registration/${key}` }))).toEqual(registered);
    expect(json(await app.inject({ method: 'GET', url: `${API}/registration/document_number/${CPF_A}` }))).toEqual(registered);

    const image = await app.inject({ method: 'POST', url: `${API}/image`, payload: { image: FACE } });
    expect(image.statusCode).toBe(201);
    expect(json(image)).toMatchObject({ width_px: 500, height_px: 560 });
    const byImageKey = await app.inject({
      method: 'POST',
      url: `${API}/registration`,
      payload: { document_number: CPF_B, image_key: json(image).image_key },
    });
    expect(byImageKey.statusCode).toBe(201);
  });

  it('passes the emulator refusals through as they are', async () => {
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: `${API}/registration`,
      payload: { document_number: CPF_A, image: fixtureBase64('not-an-image.jpg') },
    });
    refusal(response, 400, 'invalid_image');
    refusal(await app.inject({ method: 'GET', url: `${API}/registration/document_number/${CPF_B}` }), 404, 'registration_not_found');
    refusal(
      await app.inject({ method: 'GET', url: `${API}/registration/0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11` }),
      404,
      'registration_not_found',
    );
  });

  it('refuses a malformed request itself, before anything is forwarded', async () => {
    const app = await buildTestApp();
    refusal(
      await app.inject({ method: 'POST', url: `${API}/registration`, payload: { document_number: '123.456.789-00', image: FACE } }),
      400,
      'invalid_document_number',
    );
    refusal(await app.inject({ method: 'POST', url: `${API}/registration`, payload: { document_number: CPF_A } }), 400, 'invalid_request');
    refusal(
      await app.inject({ method: 'POST', url: `${API}/image`, headers: { 'content-type': 'application/json' }, payload: '{' }),
      406,
      'invalid_json',
    );
    refusal(await app.inject({ method: 'GET', url: `${API}/registration/nope` }), 400, 'invalid_registration_key');
    refusal(await app.inject({ method: 'GET', url: `${API}/registration/document_number/000.000.000-00` }), 400, 'invalid_document_number');
    // Nothing reached the emulator's database.
    refusal(
      await app.inject({ method: 'GET', url: `/emulator/face_recognition/registration/document_number/${CPF_A}` }),
      404,
      'registration_not_found',
    );
  });

  it('sends the emulator key itself when EMULATOR_API_KEY is set; the browser never needs it', async () => {
    const app = await buildTestApp({ emulatorApiKey: 'k-8f0e' });
    const created = await app.inject({ method: 'POST', url: `${API}/registration`, payload: { document_number: CPF_A, image: FACE } });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('k-8f0e');
    refusal(
      await app.inject({
        method: 'GET',
        url: `/emulator/face_recognition/registration/document_number/${CPF_A}`,
        headers: { authorization: '' },
      }),
      401,
      'unauthorized',
    );
  });

  it('is an allowlist, not a proxy: other paths and methods are refused', async () => {
    const app = await buildTestApp();
    for (const url of [
      '/api/local/face_recognition/liveness',
      '/api/local/openapi.json',
      '/api/local/face_recognition',
      '/api/local/../emulator/openapi.json',
      '/api/',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect([404], url).toContain(response.statusCode);
      expect(json(response).title).toMatch(/not_found/);
    }
    const wrongMethod = await app.inject({ method: 'DELETE', url: `${API}/registration/0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11` });
    refusal(wrongMethod, 405, 'method_not_allowed');
    refusal(await app.inject({ method: 'POST', url: '/api/environments' }), 405, 'method_not_allowed');
  });
});

describe('serving the SPA', () => {
  it('answers GET / with the page, revalidated on every visit', async () => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('<div id="root">');
  });

  it('caches hashed assets for a year and compresses them', async () => {
    const app = await buildTestApp();
    // The largest script: tiny chunks are below the build's compression threshold and sent as they are.
    const assets = join(import.meta.dirname, '..', '..', 'dist', 'assets');
    const script = readdirSync(assets)
      .filter((name) => name.endsWith('.js'))
      .sort((a, b) => statSync(join(assets, b)).size - statSync(join(assets, a)).size)[0];
    expect(script).toBeDefined();
    const plain = await app.inject({ method: 'GET', url: `/assets/${String(script)}` });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const gzipped = await app.inject({ method: 'GET', url: `/assets/${String(script)}`, headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(plain.body);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    const brotli = await app.inject({ method: 'GET', url: `/assets/${String(script)}`, headers: { 'accept-encoding': 'br, gzip' } });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe(plain.body);
    expect(brotli.rawPayload.length).toBeLessThan(gzipped.rawPayload.length);
  });

  it('opens deep links (even with a CPF in them) on the page, but a missing asset is a 404', async () => {
    const app = await buildTestApp();
    for (const url of ['/register', '/lookup/document/529.982.247-25', '/lookup/key/0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11?env=local']) {
      const page = await app.inject({ method: 'GET', url, headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.statusCode, url).toBe(200);
      expect(page.body).toContain('<div id="root">');
      expect(page.headers['cache-control']).toBe('no-cache');
    }
    refusal(await app.inject({ method: 'GET', url: '/assets/index-missing.js', headers: { accept: '*/*' } }), 404, 'not_found');
    refusal(await app.inject({ method: 'POST', url: '/register', headers: { accept: 'text/html' } }), 404, 'not_found');
    // Paths that try to leave dist/ get the same JSON shape as every refusal.
    for (const url of ['/%2e%2e/package.json', '//api/environments', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await app.inject({ method: 'GET', url });
      expect([403, 404], url).toContain(response.statusCode);
      expect(typeof json(response).description, url).toBe('string');
      expect(response.body).not.toContain('"name": "face-registration-console"');
    }
  });

  it('answers 503 with what to do when the console was not built', async () => {
    const app = await buildTestApp({}, undefined, '/nonexistent-dist');
    refusal(await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }), 503, 'console_not_built');
    // The API works regardless.
    expect((await app.inject({ method: 'GET', url: '/api/environments' })).statusCode).toBe(200);
  });
});
