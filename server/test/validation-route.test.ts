import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER } from '../../contract/access.ts';
import type { AuditEntry } from '../../contract/access-admin.ts';
import { validationAnswerSchema } from '../../contract/validation.ts';
import { loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { PASS_RATIO } from '../emulator/face-match.ts';
import { CPF_A, CPF_B, buildTestApp, fixtureBase64, json, logIn, refusal } from './helper.ts';
import { answer, misbehavingUpstream, neverAnswer } from './misbehaving-upstream.ts';
import { exited, freePort, startProcess } from './process.ts';

const PORTRAIT = fixtureBase64('portrait-A000014.jpg');
/** Another person (face-validation.test.ts: it fails against portrait-A000014). */
const OTHER_PERSON = fixtureBase64('portrait-B001270.jpg');
const CPF_A_MASKED = '***.982.247-**';
const UNKNOWN_KEY = '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11';

const api = (env: string) => `/api/${env}/face_recognition`;

/** A console whose log lines are kept, to be searched for pictures. */
async function consoleWith(overrides: Partial<Config> = {}, accounts: Parameters<typeof buildTestApp>[3] = {}) {
  const lines: string[] = [];
  const app = await buildTestApp({ logLevel: 'trace', ...overrides }, { write: (line) => lines.push(line) }, undefined, accounts);
  return { app, lines };
}

async function register(app: FastifyInstance, env: string, document: string, image: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: `${api(env)}/registration`, payload: { document_number: document, image } });
  expect(response.statusCode, response.body).toBe(201);
  return String(json(response).registration_key);
}

const validate = (app: FastifyInstance, env: string, payload: unknown, headers: InjectOptions['headers'] = {}) =>
  app.inject({ method: 'POST', url: `${api(env)}/validation`, payload: payload as object, headers });

async function auditOf(app: FastifyInstance, headers: InjectOptions['headers'] = {}): Promise<AuditEntry[]> {
  const response = await app.inject({ method: 'GET', url: '/api/admin/audit?action=validation', headers });
  expect(response.statusCode, response.body).toBe(200);
  return (json(response) as { entries: AuditEntry[] }).entries;
}

/** No picture, nor a recognisable piece of one, in a text. */
function expectNoPicture(text: string, label: string) {
  for (const picture of [PORTRAIT, OTHER_PERSON]) {
    expect(text.includes(picture.slice(1000, 1064)), label).toBe(false);
  }
  // Nor any long base64 run, whatever picture it came from.
  expect(text, label).not.toMatch(/[A-Za-z0-9+/]{200,}/);
}

describe('POST /api/{env}/face_recognition/validation in local (the embedded emulator)', () => {
  it('passes the registered face and fails another person, with the registration it compared with', async () => {
    const { app, lines } = await consoleWith();
    const registrationKey = await register(app, 'local', CPF_A, PORTRAIT);

    const same = await validate(app, 'local', { document_number: CPF_A, image: PORTRAIT });
    expect(same.statusCode, same.body).toBe(200);
    const passed = validationAnswerSchema.parse(json(same));
    expect(passed).toMatchObject({
      document_number: CPF_A,
      registration: { registration_key: registrationKey, registration_status: 'active' },
      validation_result: 'pass',
    });
    expect(Number(passed.similarity_ratio)).toBeGreaterThanOrEqual(PASS_RATIO);
    expect(PASS_RATIO).toBeGreaterThanOrEqual(60);

    const other = await validate(app, 'local', { document_number: CPF_A, image: OTHER_PERSON });
    expect(other.statusCode, other.body).toBe(200);
    const failed = validationAnswerSchema.parse(json(other));
    expect(failed).toMatchObject({ registration: { registration_key: registrationKey }, validation_result: 'fail' });
    expect(Number(failed.similarity_ratio)).toBeLessThan(PASS_RATIO);

    // The trail: who, where, the CPF masked, the registration compared with, QI Tech's verdict.
    const entries = await auditOf(app);
    expect(
      entries.map(({ actor, action, environment, cpf_masked, registration_key, outcome, status, consent_term }) => ({
        actor,
        action,
        environment,
        cpf_masked,
        registration_key,
        outcome,
        status,
        consent_term,
      })),
    ).toEqual([
      // Newest first.
      {
        actor: 'test-admin',
        action: 'validation',
        environment: 'local',
        cpf_masked: CPF_A_MASKED,
        registration_key: registrationKey,
        outcome: 'fail',
        status: 200,
        consent_term: null,
      },
      {
        actor: 'test-admin',
        action: 'validation',
        environment: 'local',
        cpf_masked: CPF_A_MASKED,
        registration_key: registrationKey,
        outcome: 'pass',
        status: 200,
        consent_term: null,
      },
    ]);
    // Searchable by the whole CPF, which the trail itself never holds.
    const byCpf = await app.inject({ method: 'GET', url: `/api/admin/audit?action=validation&cpf=${CPF_A}` });
    expect((json(byCpf) as { entries: unknown[] }).entries).toHaveLength(2);

    const csv = await app.inject({ method: 'GET', url: '/api/admin/audit.csv?format=en&action=validation' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(CPF_A_MASKED);
    expect(csv.body).not.toContain(CPF_A);
    const pt = await app.inject({ method: 'GET', url: '/api/admin/audit.csv?action=validation' });
    expect(pt.body).toContain('Mesma pessoa');
    expect(pt.body).toContain('Pessoa diferente');
    for (const [label, text] of [
      ['audit', JSON.stringify(entries)],
      ['csv', csv.body],
      ['csv pt-br', pt.body],
      ['logs', lines.join('\n')],
    ] as const) {
      expectNoPicture(text, label);
      expect(text, label).not.toContain(CPF_A);
      expect(text, label).not.toContain('52998224725');
    }
  });

  it('compares a picture sent before by image_key too', async () => {
    const { app } = await consoleWith();
    const registrationKey = await register(app, 'local', CPF_A, PORTRAIT);
    const image = await app.inject({ method: 'POST', url: `${api('local')}/image`, payload: { image: PORTRAIT } });
    expect(image.statusCode, image.body).toBe(201);
    const response = await validate(app, 'local', { document_number: CPF_A, image_key: json(image).image_key });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({ registration: { registration_key: registrationKey }, validation_result: 'pass' });
  });

  it("relays the emulator's refusals: a CPF without a registration, a picture it cannot judge", async () => {
    const { app } = await consoleWith();
    const missing = refusal(await validate(app, 'local', { document_number: CPF_B, image: PORTRAIT }), 404, 'registration_not_found');
    expect(missing.description).toContain(CPF_B);
    await register(app, 'local', CPF_A, PORTRAIT);
    const noFace = refusal(
      await validate(app, 'local', { document_number: CPF_A, image: fixtureBase64('no-face-cat.png') }),
      400,
      'image_quality',
    );
    expect(noFace.image_status).toBe('no_face');
    refusal(await validate(app, 'local', { document_number: CPF_A, image_key: UNKNOWN_KEY }), 400, 'image_key_not_found');

    const entries = await auditOf(app);
    expect(entries.map(({ outcome, status, cpf_masked, registration_key }) => ({ outcome, status, cpf_masked, registration_key }))).toEqual(
      [
        { outcome: 'image_key_not_found', status: 400, cpf_masked: CPF_A_MASKED, registration_key: null },
        { outcome: 'image_quality', status: 400, cpf_masked: CPF_A_MASKED, registration_key: null },
        { outcome: 'registration_not_found', status: 404, cpf_masked: '***.444.777-**', registration_key: null },
      ],
    );
  });

  it('refuses a malformed body itself, saying what to fix, before anything is forwarded', async () => {
    const { app } = await consoleWith();
    const bodies: [unknown, string][] = [
      [{ document_number: CPF_A }, 'invalid_request'],
      [{ document_number: CPF_A, image: PORTRAIT, image_key: UNKNOWN_KEY }, 'invalid_request'],
      [{ document_number: '123.456.789-00', image: PORTRAIT }, 'invalid_document_number'],
      [{ document_number: CPF_A, image: 'not base64!' }, 'invalid_image'],
      [{ document_number: CPF_A, image_key: 'nope' }, 'invalid_image_key'],
      [{ document_number: CPF_A, image: PORTRAIT, imagem: PORTRAIT }, 'invalid_request'],
    ];
    for (const [payload, title] of bodies) refusal(await validate(app, 'local', payload), 400, title);
    refusal(
      await app.inject({
        method: 'POST',
        url: `${api('local')}/validation`,
        headers: { 'content-type': 'application/json' },
        payload: '{',
      }),
      406,
      'invalid_json',
    );
    refusal(await app.inject({ method: 'GET', url: `${api('local')}/validation` }), 405, 'method_not_allowed');
    expect((await auditOf(app)).map(({ outcome }) => outcome)).toEqual(
      expect.arrayContaining(['invalid_request', 'invalid_document_number']),
    );
  });

  it('is for every role that may validate (support too), with no consent header; nobody without a login', async () => {
    const { app } = await consoleWith({}, { accounts: [{ name: 'support-1', role: 'support', environments: null }] });
    const registrationKey = await register(app, 'local', CPF_A, PORTRAIT);
    const cookie = await logIn(app, 'support-1');
    // The helper sends the admin's cookie and the consent header with every call: both replaced.
    const bySupport = await app.inject({
      method: 'POST',
      url: `${api('local')}/validation`,
      payload: { document_number: CPF_A, image: PORTRAIT },
      headers: { cookie, [CONSENT_HEADER]: '' },
    });
    expect(bySupport.statusCode, bySupport.body).toBe(200);
    expect(json(bySupport)).toMatchObject({ registration: { registration_key: registrationKey }, validation_result: 'pass' });

    refusal(await validate(app, 'local', { document_number: CPF_A, image: PORTRAIT }, { cookie: '' }), 401, 'not_authenticated');
    // Who first: an anonymous caller learns nothing of which environments exist.
    refusal(await validate(app, 'staging', { document_number: CPF_A, image: PORTRAIT }, { cookie: '' }), 401, 'not_authenticated');

    // Logging support in ended the admin's session (the helper sent its cookie along): in again.
    const entries = await auditOf(app, { cookie: await logIn(app, 'test-admin') });
    expect(entries.map(({ actor, outcome, status, environment }) => ({ actor, outcome, status, environment }))).toEqual([
      { actor: null, outcome: 'not_authenticated', status: 401, environment: null },
      { actor: null, outcome: 'not_authenticated', status: 401, environment: 'local' },
      { actor: 'support-1', outcome: 'pass', status: 200, environment: 'local' },
    ]);
  });

  it('refuses an environment that is not configured', async () => {
    const { app } = await consoleWith();
    expect(
      refusal(await validate(app, 'production', { document_number: CPF_A, image: PORTRAIT }), 404, 'environment_not_found').description,
    ).toContain('Configured: local');
  });
});

describe('validation in sandbox and production: only where the administrator turned it on', () => {
  it('answers 403 validation_not_enabled naming the setting, sends nothing, and lists the flags', async () => {
    const upstream = await misbehavingUpstream(answer(200, {}));
    onTestFinished(() => upstream.close());
    const { app } = await consoleWith({
      sandbox: { url: upstream.url, apiKey: 'k' },
      production: { url: upstream.url, apiKey: 'k' },
      productionValidation: true,
    });
    expect(json(await app.inject({ method: 'GET', url: '/api/environments' }))).toEqual({
      environments: [
        { name: 'local', synthetic: true, validation: true },
        { name: 'sandbox', synthetic: true, validation: false },
        { name: 'production', synthetic: false, validation: true },
      ],
    });

    const body = refusal(await validate(app, 'sandbox', { document_number: CPF_A, image: PORTRAIT }), 403, 'validation_not_enabled');
    expect(body.description).toBe(
      "1:1 validation is not enabled for the sandbox environment on this console: QI Tech's newer accounts validate through the Account Event API instead. If this account offers POST /face_recognition/validation, the console's administrator sets QITECH_SANDBOX_VALIDATION=on.",
    );
    // Whatever the body: the environment does not offer it.
    refusal(await validate(app, 'sandbox', {}), 403, 'validation_not_enabled');
    expect(upstream.requests).toEqual([]);

    const entries = await auditOf(app);
    expect(entries.map(({ environment, outcome, status, cpf_masked }) => ({ environment, outcome, status, cpf_masked }))).toEqual([
      { environment: 'sandbox', outcome: 'validation_not_enabled', status: 403, cpf_masked: null },
      { environment: 'sandbox', outcome: 'validation_not_enabled', status: 403, cpf_masked: CPF_A_MASKED },
    ]);
  });

  it("names production's setting there", async () => {
    const upstream = await misbehavingUpstream(answer(200, {}));
    onTestFinished(() => upstream.close());
    const { app } = await consoleWith({ production: { url: upstream.url, apiKey: 'k' }, sandboxValidation: true });
    const body = refusal(await validate(app, 'production', { document_number: CPF_A, image: PORTRAIT }), 403, 'validation_not_enabled');
    expect(body.description).toContain('for the production environment');
    expect(body.description).toContain('QITECH_PRODUCTION_VALIDATION=on');
    expect(upstream.requests).toEqual([]);
  });

  it("forwards with the environment's key, relays only the contract's fields, and keeps the key out of them", async () => {
    const key = `qitech-production-${randomUUID()}`;
    const registrationKey = randomUUID();
    const upstream = await misbehavingUpstream(
      answer(200, {
        validation_key: randomUUID(),
        document_number: CPF_A,
        registration: {
          registration_key: registrationKey,
          registration_status: `active ${key}`,
          registration_date: '2026-11-26',
          extra: key,
        },
        similarity_ratio: '99',
        validation_result: 'approved',
        echoed_headers: { authorization: key },
      }),
    );
    onTestFinished(() => upstream.close());
    const { app, lines } = await consoleWith({ production: { url: upstream.url, apiKey: key }, productionValidation: true });
    const response = await validate(app, 'production', { document_number: CPF_A, image: PORTRAIT });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toContain(key);
    expect(json(response)).toMatchObject({
      registration: { registration_key: registrationKey, registration_status: 'active [redacted]' },
      similarity_ratio: '99',
      validation_result: 'approved',
    });
    expect(json(response)).not.toHaveProperty('echoed_headers');
    expect(json(response).registration).not.toHaveProperty('extra');
    expect(upstream.requests).toEqual([
      {
        method: 'POST',
        url: '/face_recognition/validation',
        authorization: key,
        body: JSON.stringify({ document_number: CPF_A, image: PORTRAIT }),
      },
    ]);
    // A verdict the trail does not name is recorded as done.
    expect((await auditOf(app)).map(({ outcome, registration_key }) => ({ outcome, registration_key }))).toEqual([
      { outcome: 'ok', registration_key: registrationKey },
    ]);
    expect(lines.join('\n')).not.toContain(key);
  });

  it('records a refused picture validated anyway in the trail, never forwards that header, and refuses an unknown value', async () => {
    const registrationKey = randomUUID();
    const upstream = await misbehavingUpstream(
      answer(200, {
        validation_key: randomUUID(),
        document_number: CPF_A,
        registration: { registration_key: registrationKey, registration_status: 'active', registration_date: '2026-11-26' },
        similarity_ratio: 91,
        validation_result: 'pass',
      }),
    );
    onTestFinished(() => upstream.close());
    const { app } = await consoleWith({ production: { url: upstream.url, apiKey: 'k' }, productionValidation: true });
    const sent = await validate(app, 'production', { document_number: CPF_A, image: PORTRAIT }, { [FACE_CHECK_OVERRIDE_HEADER]: 'blurry' });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(JSON.stringify(upstream.requests[0])).not.toContain('blurry');

    const wrong = refusal(
      await validate(app, 'production', { document_number: CPF_A, image: PORTRAIT }, { [FACE_CHECK_OVERRIDE_HEADER]: 'sharp enough' }),
      400,
      'invalid_face_check_override',
    );
    expect(wrong.description).toContain(FACE_CHECK_OVERRIDE_HEADER);
    // The refused call reached nobody.
    expect(upstream.requests).toHaveLength(1);

    // Newest first: the refusal, then the validation sent despite the check, with its status.
    expect((await auditOf(app)).map(({ outcome, status, face_check_override }) => ({ outcome, status, face_check_override }))).toEqual([
      { outcome: 'invalid_face_check_override', status: 400, face_check_override: null },
      { outcome: 'pass', status: 200, face_check_override: 'blurry' },
    ]);
  });

  it('after a timeout, says to try again: a validation creates nothing', async () => {
    const upstream = await misbehavingUpstream(neverAnswer);
    onTestFinished(() => upstream.close());
    const { app } = await consoleWith({ sandbox: { url: upstream.url, apiKey: 'k' }, sandboxValidation: true, upstreamTimeoutMs: 300 });
    const body = refusal(await validate(app, 'sandbox', { document_number: CPF_A, image: PORTRAIT }), 504, 'upstream_timeout');
    expect(body.description).toContain('Try again in a moment');
    expect(body.description).not.toContain('created');
    expect(upstream.requests).toHaveLength(1);
    expect((await auditOf(app)).map(({ outcome }) => outcome)).toEqual(['upstream_timeout']);
  });
});

describe('an emulator in its own process as the sandbox, with QITECH_SANDBOX_VALIDATION=on', () => {
  const EMULATOR_KEY = `emulator-${randomUUID()}`;
  let emulator: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-validation-'));

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

  it('forwards the validation and relays the verdict and the refusals', async () => {
    const { app } = await consoleWith({ sandbox: { url, apiKey: EMULATOR_KEY }, sandboxValidation: true });
    expect(json(await app.inject({ method: 'GET', url: '/api/environments' }))).toEqual({
      environments: [
        { name: 'local', synthetic: true, validation: true },
        { name: 'sandbox', synthetic: true, validation: true },
      ],
    });
    const registrationKey = await register(app, 'sandbox', CPF_B, PORTRAIT);
    const same = await validate(app, 'sandbox', { document_number: CPF_B, image: PORTRAIT });
    expect(same.statusCode, same.body).toBe(200);
    expect(json(same)).toMatchObject({ registration: { registration_key: registrationKey }, validation_result: 'pass' });
    expect(Number(json(same).similarity_ratio)).toBeGreaterThanOrEqual(PASS_RATIO);
    const other = await validate(app, 'sandbox', { document_number: CPF_B, image: OTHER_PERSON });
    expect(json(other)).toMatchObject({ validation_result: 'fail' });
    refusal(await validate(app, 'sandbox', { document_number: CPF_A, image: PORTRAIT }), 404, 'registration_not_found');
    // The local environment is another database: nothing registered there.
    refusal(await validate(app, 'local', { document_number: CPF_B, image: PORTRAIT }), 404, 'registration_not_found');

    const entries = await auditOf(app);
    expect(entries.map(({ environment, outcome, cpf_masked }) => ({ environment, outcome, cpf_masked }))).toEqual([
      { environment: 'local', outcome: 'registration_not_found', cpf_masked: '***.444.777-**' },
      { environment: 'sandbox', outcome: 'registration_not_found', cpf_masked: CPF_A_MASKED },
      { environment: 'sandbox', outcome: 'fail', cpf_masked: '***.444.777-**' },
      { environment: 'sandbox', outcome: 'pass', cpf_masked: '***.444.777-**' },
    ]);
  });
});

describe('QITECH_SANDBOX_VALIDATION and QITECH_PRODUCTION_VALIDATION', () => {
  it('are off unless set, and take on/off, true/false, 1/0 in any case', () => {
    expect(loadConfig({})).toMatchObject({ sandboxValidation: false, productionValidation: false });
    for (const on of ['on', 'ON', 'true', 'True', '1', ' on ']) {
      expect(loadConfig({ QITECH_SANDBOX_VALIDATION: on, QITECH_PRODUCTION_VALIDATION: on }), on).toMatchObject({
        sandboxValidation: true,
        productionValidation: true,
      });
    }
    for (const off of ['off', 'OFF', 'false', 'FALSE', '0', '']) {
      expect(loadConfig({ QITECH_SANDBOX_VALIDATION: off, QITECH_PRODUCTION_VALIDATION: off }), off).toMatchObject({
        sandboxValidation: false,
        productionValidation: false,
      });
    }
  });

  it('stop the start on any other value, naming the setting', () => {
    for (const name of ['QITECH_SANDBOX_VALIDATION', 'QITECH_PRODUCTION_VALIDATION']) {
      expect(() => loadConfig({ [name]: 'yes' })).toThrow(new RegExp(`${name}: must be on or off`));
    }
  });
});
