import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config.ts';
import { CPF_A, CPF_B, buildTestApp, fixtureBase64, json, refusal, tempDir } from './helper.ts';
import { answer, answerText, cutConnection, misbehavingUpstream, nestedJson, neverAnswer } from './misbehaving-upstream.ts';
import type { Behaviour, MisbehavingUpstream } from './misbehaving-upstream.ts';
import { exited, freePort, startProcess } from './process.ts';

const API = '/api/sandbox/face_recognition';
const FACE = fixtureBase64('face-single-centered.jpg');
const KEY = `qitech-sandbox-${randomUUID()}`;
const REGISTRATION_KEY = '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4';
const REGISTRATION = { document_number: CPF_A, image: FACE };

/**
 * Every answer and log line of a test, scanned after it for the API key: it must never leave the
 * server in an answer, nor reach a log, whatever the upstream did.
 */
const seen: string[] = [];
afterEach(() => {
  const leaks = seen.filter((text) => text.includes(KEY));
  seen.length = 0;
  expect(leaks).toEqual([]);
});

async function consoleFor(upstream: MisbehavingUpstream | string, timeoutMs = 2_000) {
  const url = typeof upstream === 'string' ? upstream : upstream.url;
  const app = await buildTestApp(
    { sandbox: { url, apiKey: KEY }, upstreamTimeoutMs: timeoutMs, logLevel: 'trace' },
    { write: (line) => seen.push(line) },
  );
  return async (options: InjectOptions): Promise<LightMyRequestResponse> => {
    const response = await app.inject(options);
    seen.push(JSON.stringify(response.headers), response.body);
    return response;
  };
}

async function upstreamThat(behaviour: Behaviour): Promise<MisbehavingUpstream> {
  const upstream = await misbehavingUpstream(behaviour);
  onTestFinished(() => upstream.close());
  return upstream;
}

/** A port on which nothing listens. */
async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${String(await freePort())}`;
}

const lookup = { method: 'GET', url: `${API}/registration/document_number/${CPF_A}` } as const;
const register = { method: 'POST', url: `${API}/registration`, payload: REGISTRATION } as const;

describe('sandbox upstream over HTTP: what reaches it', () => {
  it('sends each of the four calls to the contract path with Authorization: <key>, and nothing else', async () => {
    const upstream = await upstreamThat((request, response) => {
      const body = request.url?.endsWith('/image')
        ? { image_key: REGISTRATION_KEY, file_size: 10, width_px: 300, height_px: 300, created_at: '2026-11-26T12:00:00Z' }
        : { registration_key: REGISTRATION_KEY };
      response.writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    const call = await consoleFor(upstream);

    expect((await call(register)).statusCode).toBe(201);
    expect(json(await call({ method: 'GET', url: `${API}/registration/${REGISTRATION_KEY}` }))).toEqual({
      registration_key: REGISTRATION_KEY,
    });
    expect(json(await call(lookup))).toEqual({ registration_key: REGISTRATION_KEY });
    expect((await call({ method: 'POST', url: `${API}/image`, payload: { image: FACE } })).statusCode).toBe(201);
    // Refused by the console before anything leaves: an invalid CPF, a path outside the contract.
    refusal(await call({ method: 'GET', url: `${API}/registration/document_number/123` }), 400, 'invalid_document_number');
    refusal(await call({ method: 'GET', url: `${API}/other` }), 404, 'not_found');
    refusal(await call({ method: 'DELETE', url: `${API}/registration/${REGISTRATION_KEY}` }), 405, 'method_not_allowed');

    expect(upstream.requests.map(({ method, url, authorization }) => ({ method, url, authorization }))).toEqual([
      { method: 'POST', url: '/face_recognition/registration', authorization: KEY },
      { method: 'GET', url: `/face_recognition/registration/${REGISTRATION_KEY}`, authorization: KEY },
      { method: 'GET', url: `/face_recognition/registration/document_number/${CPF_A}`, authorization: KEY },
      { method: 'POST', url: '/face_recognition/image', authorization: KEY },
    ]);
    expect(JSON.parse(upstream.requests[0]?.body ?? '')).toEqual(REGISTRATION);
  });

  it('keeps a base URL path prefix', async () => {
    const upstream = await upstreamThat(answer(200, { registration_key: REGISTRATION_KEY }));
    const call = await consoleFor(`${upstream.url}/qitech/v1`);
    expect((await call(lookup)).statusCode).toBe(200);
    expect(upstream.requests[0]?.url).toBe(`/qitech/v1/face_recognition/registration/document_number/${CPF_A}`);
  });
});

describe('sandbox upstream over HTTP: faults become clear answers', () => {
  it('no connection → 502 upstream_unreachable, nothing sent', async () => {
    const call = await consoleFor(await closedPortUrl());
    for (const options of [lookup, register]) {
      const body = refusal(await call(options), 502, 'upstream_unreachable');
      expect(body.description).toContain('ECONNREFUSED');
      expect(body.description).toContain('nothing was sent');
      expect(body.description).toContain('QITECH_SANDBOX_URL');
    }
  });

  it('a name that does not resolve → 502 upstream_unreachable', async () => {
    const call = await consoleFor('https://qitech-upstream.invalid', 10_000);
    refusal(await call(lookup), 502, 'upstream_unreachable');
  });

  it('no answer within the timeout → 504 upstream_timeout; a registration is not resent and the CPF is to be looked up', async () => {
    const upstream = await upstreamThat(neverAnswer);
    const call = await consoleFor(upstream, 300);
    const registration = refusal(await call(register), 504, 'upstream_timeout');
    expect(registration.description).toContain('0.3 s');
    expect(registration.description).toContain('look the CPF up before sending it again');
    expect(upstream.requests).toHaveLength(1);
    const read = refusal(await call(lookup), 504, 'upstream_timeout');
    expect(read.description).toContain('Try again in a moment');
  });

  it('headers on time but a body that never ends → 504 upstream_timeout', async () => {
    const upstream = await upstreamThat((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"registration_key":');
    });
    const call = await consoleFor(upstream, 300);
    refusal(await call(lookup), 504, 'upstream_timeout');
  });

  it.each([500, 503])('upstream %i → 502 upstream_error naming the status', async (status) => {
    const upstream = await upstreamThat(answer(status, { title: 'internal_error', description: 'Oops' }));
    const call = await consoleFor(upstream);
    const body = refusal(await call(lookup), 502, 'upstream_error');
    expect(body.upstream_status).toBe(status);
    expect(body.description).toContain(`HTTP ${String(status)}`);
  });

  it('invalid JSON, a wrong shape, a redirect or an oversized answer → 502 bad_upstream_answer', async () => {
    const elsewhere = await upstreamThat(answer(200, { registration_key: REGISTRATION_KEY }));
    const behaviours: [Behaviour, number][] = [
      [(_q, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"registration_key": "6f1c'), 200],
      [answer(200, { key: REGISTRATION_KEY }), 200],
      [answer(302, {}, { location: `${elsewhere.url}/face_recognition/registration/document_number/${CPF_A}` }), 302],
      [answer(200, { registration_key: REGISTRATION_KEY, padding: 'x'.repeat(1_000_000) }), 200],
      [(_q, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'), 404],
    ];
    for (const [behaviour, status] of behaviours) {
      const call = await consoleFor(await upstreamThat(behaviour));
      const body = refusal(await call(lookup), 502, 'bad_upstream_answer');
      expect(body.upstream_status).toBe(status);
    }
    // The redirect was not followed: the key never travelled to another address.
    expect(elsewhere.requests).toEqual([]);
  });

  it('a cut connection: a GET is tried once more, a POST never, and says the registration may exist', async () => {
    const upstream = await upstreamThat(cutConnection);
    const call = await consoleFor(upstream);
    refusal(await call(lookup), 502, 'upstream_connection_lost');
    expect(upstream.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    const body = refusal(await call(register), 502, 'upstream_connection_lost');
    expect(body.description).toContain('look the CPF up before sending it again');
    expect(upstream.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
  });

  it('a GET whose first connection is cut succeeds on the second', async () => {
    const upstream = await upstreamThat((request, response, requests) => {
      if (requests.length === 1) cutConnection(request, response, requests);
      else answer(200, { registration_key: REGISTRATION_KEY })(request, response, requests);
    });
    const call = await consoleFor(upstream);
    const response = await call(lookup);
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ registration_key: REGISTRATION_KEY });
    expect(upstream.requests).toHaveLength(2);
  });

  it.each([401, 403])('upstream %i → the console key is refused: a configuration message', async (status) => {
    const upstream = await upstreamThat(answer(status, { title: 'unauthorized', description: 'Invalid API key' }));
    const call = await consoleFor(upstream);
    const body = refusal(await call(register), 502, 'upstream_key_refused');
    expect(body.upstream_status).toBe(status);
    expect(body.description).toContain('QITECH_SANDBOX_API_KEY');
    expect(body.description).toContain('administrator');
  });

  it("passes QI Tech's own 4xx through, body and all", async () => {
    const quality = {
      title: 'image_quality',
      description: 'This image was not approved in quality assessment. The face is too close to image edges.',
      image_status: 'not_center',
    };
    const call = await consoleFor(await upstreamThat(answer(400, quality)));
    const response = await call(register);
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual(quality);

    const conflict = { title: 'request_already_processed', description: 'This request was already processed.' };
    const second = await consoleFor(await upstreamThat(answer(409, conflict)));
    const repeated = await second(register);
    expect(repeated.statusCode).toBe(409);
    expect(json(repeated)).toEqual(conflict);
  });
});

describe('sandbox upstream over HTTP: a success answer the console cannot relay as it is', () => {
  /** The newest audit entry, as an administrator reads it. */
  async function lastAudit(call: (options: InjectOptions) => Promise<LightMyRequestResponse>) {
    const trail = json(await call({ method: 'GET', url: '/api/admin/audit?limit=1' }));
    return (trail.entries as Record<string, unknown>[])[0];
  }

  it("a registration answered 201 with a valid key beside a field nested 10,000 deep → 201 with the contract's fields only, audited", async () => {
    const upstream = await upstreamThat(answerText(201, `{"registration_key":"${REGISTRATION_KEY}","debug":${nestedJson(10_000)}}`));
    const call = await consoleFor(upstream);
    const response = await call(register);
    expect(response.statusCode).toBe(201);
    expect(json(response)).toEqual({ registration_key: REGISTRATION_KEY });
    expect(await lastAudit(call)).toMatchObject({ action: 'register', outcome: 'ok', status: 201, registration_key: REGISTRATION_KEY });
    // The console still answers afterwards.
    expect((await call(register)).statusCode).toBe(201);
  });

  it('a registration answered 201 that does not fit the contract → 502 bad_upstream_answer: it may have been created, look the CPF up first', async () => {
    const answers = [`{"registration_key":${nestedJson(10_000)}}`, '{"registration_key":"not-a-key"}', '[]'];
    for (const text of answers) {
      const call = await consoleFor(await upstreamThat(answerText(201, text)));
      const body = refusal(await call(register), 502, 'bad_upstream_answer');
      expect(body.upstream_status).toBe(201);
      expect(body.description).toContain('may have been created');
      expect(body.description).toContain('look the CPF up before sending it again');
      expect(await lastAudit(call)).toMatchObject({
        action: 'register',
        outcome: 'bad_upstream_answer',
        status: 502,
        cpf_masked: '***.982.247-**',
      });
    }
  });

  it('a look-up answered 200 nested 10,000 deep → 502 bad_upstream_answer, to try again', async () => {
    const call = await consoleFor(await upstreamThat(answerText(200, `{"registration_key":${nestedJson(10_000)}}`)));
    const body = refusal(await call(lookup), 502, 'bad_upstream_answer');
    expect(body.description).toContain('Try again');
    expect(body.description).not.toContain('may have been created');
    const ok = await consoleFor(
      await upstreamThat(answerText(200, `{"registration_key":"${REGISTRATION_KEY}","debug":${nestedJson(10_000)}}`)),
    );
    expect(json(await ok(lookup))).toEqual({ registration_key: REGISTRATION_KEY });
  });
});

describe('settings of the upstreams', () => {
  it('enables sandbox and production by their keys, defaults their URLs, and lists local first', async () => {
    const config = loadConfig({ QITECH_SANDBOX_API_KEY: 'a', QITECH_PRODUCTION_API_KEY: 'b' });
    expect(config.sandbox).toEqual({ url: 'https://api.sandbox.caas.qitech.app', apiKey: 'a' });
    expect(config.production).toEqual({ url: 'https://api.caas.qitech.app', apiKey: 'b' });
    expect(config.upstreamTimeoutMs).toBe(15_000);
    expect(loadConfig({}).sandbox).toBeUndefined();
    expect(loadConfig({ QITECH_SANDBOX_API_KEY: '' }).sandbox).toBeUndefined();
    const app = await buildTestApp({ ...config, dataDir: tempDir() });
    expect(json(await app.inject({ method: 'GET', url: '/api/environments' }))).toEqual({
      environments: [
        { name: 'local', synthetic: true, validation: true },
        { name: 'sandbox', synthetic: true, validation: false },
        { name: 'production', synthetic: false, validation: false },
      ],
    });
  });

  it('refuses at start a plain-HTTP URL off this machine, credentials in a URL, or a key with a line break — without printing the key', () => {
    const secret = 'k3y-with-newline';
    const cases = [
      { QITECH_SANDBOX_API_KEY: 'a', QITECH_SANDBOX_URL: 'http://api.sandbox.caas.qitech.app' },
      { QITECH_SANDBOX_API_KEY: 'a', QITECH_SANDBOX_URL: 'https://user:pass@api.sandbox.caas.qitech.app' },
      { QITECH_SANDBOX_API_KEY: 'a', QITECH_SANDBOX_URL: 'not a url' },
      { QITECH_PRODUCTION_API_KEY: `${secret}\n` },
      { QITECH_TIMEOUT_MS: '0' },
    ];
    for (const env of cases) {
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/QITECH_(SANDBOX_URL|PRODUCTION_API_KEY|TIMEOUT_MS)/);
      expect(message).not.toContain(secret);
    }
    expect(loadConfig({ QITECH_SANDBOX_API_KEY: 'a', QITECH_SANDBOX_URL: 'http://127.0.0.1:9/' }).sandbox?.url).toBe('http://127.0.0.1:9');
  });
});

describe('an emulator in its own process as the sandbox upstream', () => {
  const EMULATOR_KEY = `emulator-${randomUUID()}`;
  let emulator: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-upstream-'));

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${String(port)}`;
    emulator = await startProcess(
      'server/emulator/standalone.ts',
      { EMULATOR_PORT: String(port), EMULATOR_API_KEY: EMULATOR_KEY, DATA_DIR: dataDir },
      port,
    );
  }, 30_000);

  afterAll(async () => {
    emulator.kill('SIGTERM');
    await exited(emulator);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers, looks up by key and by CPF, and stores an image, with the right key', async () => {
    const app = await buildTestApp({ sandbox: { url, apiKey: EMULATOR_KEY } });
    const created = await app.inject({ method: 'POST', url: `${API}/registration`, payload: { document_number: CPF_B, image: FACE } });
    expect(created.statusCode).toBe(201);
    const key = json(created).registration_key as string;
    const registered = { registration_key: key, duplicate_faces: [] };
    expect(json(created)).toEqual(registered);
    expect(json(await app.inject({ method: 'GET', url: `${API}/registration/${key}` }))).toEqual(registered);
    expect(json(await app.inject({ method: 'GET', url: `${API}/registration/document_number/${CPF_B}` }))).toEqual(registered);
    const image = await app.inject({ method: 'POST', url: `${API}/image`, payload: { image: FACE } });
    expect(image.statusCode).toBe(201);
    const imageKey = json(image).image_key as string;
    const byImageKey = await app.inject({
      method: 'POST',
      url: `${API}/registration`,
      payload: { document_number: CPF_B, image_key: imageKey },
    });
    expect(byImageKey.statusCode).toBe(201);
    // Not found and quality refusals arrive as the emulator said them.
    refusal(await app.inject({ method: 'GET', url: `${API}/registration/${randomUUID()}` }), 404, 'registration_not_found');
    const refused = refusal(
      await app.inject({
        method: 'POST',
        url: `${API}/registration`,
        payload: { document_number: CPF_B, image: fixtureBase64('no-face-cat.png') },
      }),
      400,
      'image_quality',
    );
    expect(refused.image_status).toBe('no_face');
  });

  it('with a wrong key: every call says the console key is refused, for an administrator to fix', async () => {
    const call = await consoleFor(url);
    for (const options of [lookup, register, { method: 'GET', url: `${API}/registration/${REGISTRATION_KEY}` } as const]) {
      const body = refusal(await call(options), 502, 'upstream_key_refused');
      expect(body.upstream_status).toBe(401);
      expect(body.description).toContain('QITECH_SANDBOX_API_KEY');
    }
  });
});
