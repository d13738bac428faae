import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorAccessSchema } from '../../contract/access.ts';
import { openAccessStore } from '../access/store.ts';
import { emulatorKeyFile } from '../app.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import { acceptEveryFace } from '../emulator/image-check.ts';
import { CPF_A, buildTestApp, fixtureBase64, json, logIn, refusal, tempDir } from './helper.ts';

const REGISTRATION = '/emulator/face_recognition/registration';
const FACE = fixtureBase64('face-single-centered.jpg');

/** The console as `npm start` makes it with no settings at all, on its own data folder; no test helper in between. */
async function plainConsole(dataDir: string, env: Record<string, string> = {}) {
  const app = await buildServer({ config: { ...loadConfig(env), dataDir }, logger: false, faceCheck: acceptEveryFace });
  await app.ready();
  return app;
}

describe('the console’s emulator demands a key, even with no EMULATOR_API_KEY', () => {
  it('refuses an anonymous registration and look-up with 401 {title, description}', async () => {
    const app = await plainConsole(tempDir());
    try {
      const registration = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image: FACE } });
      expect(refusal(registration, 401, 'unauthorized').description).toMatch(/Authorization header is missing.*emulator\.key/);
      refusal(await app.inject({ method: 'GET', url: `${REGISTRATION}/document_number/${CPF_A}` }), 401, 'unauthorized');
      refusal(await app.inject({ method: 'GET', url: REGISTRATION, headers: { authorization: 'guess' } }), 401, 'unauthorized');
      // The contract stays public, as QI Tech's documentation is.
      expect((await app.inject({ method: 'GET', url: '/emulator/openapi.json' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('generates the key into DATA_DIR/emulator.key (0600), keeps it across restarts, and accepts it', async () => {
    const dataDir = tempDir();
    const first = await plainConsole(dataDir);
    const file = emulatorKeyFile(dataDir);
    const key = readFileSync(file, 'utf8').trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const created = await first.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: key },
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(created.statusCode).toBe(201);
    await first.close();

    const second = await plainConsole(dataDir);
    try {
      expect(readFileSync(file, 'utf8').trim()).toBe(key);
      const found = await second.inject({
        method: 'GET',
        url: `${REGISTRATION}/document_number/${CPF_A}`,
        headers: { authorization: key },
      });
      expect(json(found)).toEqual(json(created));
    } finally {
      await second.close();
    }
  });

  it('uses EMULATOR_API_KEY when set, and then writes no key file', async () => {
    const dataDir = tempDir();
    const app = await plainConsole(dataDir, { EMULATOR_API_KEY: 'set-by-the-admin' });
    try {
      const created = await app.inject({
        method: 'POST',
        url: REGISTRATION,
        headers: { authorization: 'set-by-the-admin' },
        payload: { document_number: CPF_A, image: FACE },
      });
      expect(created.statusCode).toBe(201);
      expect(() => statSync(emulatorKeyFile(dataDir))).toThrow();
    } finally {
      await app.close();
    }
  });

  it('still serves the local environment: the console sends the generated key itself', async () => {
    const app = await buildTestApp();
    const created = await app.inject({
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(created.statusCode).toBe(201);
    const found = await app.inject({ method: 'GET', url: `/api/local/face_recognition/registration/document_number/${CPF_A}` });
    expect(json(found)).toEqual(json(created));
  });
});

describe('GET /api/admin/emulator', () => {
  it('shows an admin the emulator’s path and key, and writes the reading to the audit trail', async () => {
    const app = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/api/admin/emulator' });
    expect(response.statusCode).toBe(200);
    const answer = emulatorAccessSchema.parse(response.json());
    expect(answer.base_url).toBe('/emulator');
    // The key shown is the one the emulator takes.
    const created = await app.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: answer.api_key },
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(created.statusCode).toBe(201);
    const audit = json(await app.inject({ method: 'GET', url: '/api/admin/audit?action=emulator_key_read' }));
    expect(audit.entries).toEqual([
      expect.objectContaining({ actor: 'test-admin', action: 'emulator_key_read', outcome: 'ok', status: 200 }),
    ]);
    // The key itself is never written to the trail.
    expect(JSON.stringify(audit)).not.toContain(answer.api_key);
  });

  it('refuses anyone but an admin (401 anonymous, 403 other roles), audited', async () => {
    const dataDir = tempDir();
    const app = await buildTestApp({ dataDir }, undefined, undefined, {
      loginAs: false,
      accounts: [
        { name: 'qa-1', role: 'qa', environments: null },
        { name: 'registrar-1', role: 'registrar', environments: null },
        { name: 'support-1', role: 'support', environments: null },
      ],
    });
    refusal(await app.inject({ method: 'GET', url: '/api/admin/emulator' }), 401, 'not_authenticated');
    for (const name of ['qa-1', 'registrar-1', 'support-1']) {
      const cookie = await logIn(app, name);
      const refused = await app.inject({ method: 'GET', url: '/api/admin/emulator', headers: { cookie } });
      refusal(refused, 403, 'forbidden');
      expect(refused.body).not.toContain(readFileSync(emulatorKeyFile(dataDir), 'utf8').trim());
    }
    const store = openAccessStore(dataDir);
    try {
      const refusals = store.queryAudit({ action: 'access_refused', limit: 50 });
      expect(refusals.map((e) => e.actor).sort()).toEqual([null, 'qa-1', 'registrar-1', 'support-1']);
    } finally {
      store.close();
    }
  });

  it('answers 404 emulator_off with LOCAL_EMULATOR=off, and no key is made', async () => {
    const dataDir = tempDir();
    const app = await buildTestApp({ dataDir, localEmulator: false });
    refusal(await app.inject({ method: 'GET', url: '/api/admin/emulator' }), 404, 'emulator_off');
    expect(() => statSync(join(dataDir, 'emulator.key'))).toThrow();
  });
});
