import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { emulatorAccessSchema } from '../../contract/access-admin.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import { acceptEveryFace } from '../emulator/image-check.ts';
import { emulatorKeyFile } from '../lib/data-dir.ts';
import { connectPostgres } from '../lib/postgres.ts';
import { CPF_A, buildTestApp, fixtureBase64, json, logIn, openTestAccessStore, refusal, testDataLocation } from './helper.ts';
import type { DataLocation } from './helper.ts';

const REGISTRATION = '/emulator/face_recognition/registration';
const FACE = fixtureBase64('face-single-centered.jpg');

/** The console as `npm start` makes it with no settings but its data's place, on its own data; no test helper in between. */
async function plainConsole(location: DataLocation, env: Record<string, string> = {}) {
  const app = await buildServer({ config: { ...loadConfig(env), ...location }, logger: false, faceCheck: acceptEveryFace });
  await app.ready();
  return app;
}

/**
 * The emulator key generated for this data, if one was: DATA_DIR/emulator.key (which must be
 * 0600), or with DATABASE_URL the database's `secrets` row, so that every instance demands the same.
 */
async function keptKey(location: DataLocation): Promise<string | undefined> {
  if (location.databaseUrl === undefined) {
    const file = emulatorKeyFile(location.dataDir);
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      throw error;
    }
    return readFileSync(file, 'utf8').trim();
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  onTestFinished(() => sql.end());
  const [row] = await sql<{ value: string }[]>`SELECT value FROM secrets WHERE name = 'emulator'`;
  return row?.value;
}

describe('the console’s emulator demands a key, even with no EMULATOR_API_KEY', () => {
  it('refuses an anonymous registration and look-up with 401 {title, description}', async () => {
    const app = await plainConsole(await testDataLocation());
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

  it('generates the key into DATA_DIR/emulator.key (0600; with DATABASE_URL, the database), keeps it across restarts, and accepts it', async () => {
    const location = await testDataLocation();
    const first = await plainConsole(location);
    const key = (await keptKey(location)) ?? '';
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const created = await first.inject({
      method: 'POST',
      url: REGISTRATION,
      headers: { authorization: key },
      payload: { document_number: CPF_A, image: FACE },
    });
    expect(created.statusCode).toBe(201);
    await first.close();

    const second = await plainConsole(location);
    try {
      expect(await keptKey(location)).toBe(key);
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

  it('uses EMULATOR_API_KEY when set, and then keeps no key of its own', async () => {
    const location = await testDataLocation();
    const app = await plainConsole(location, { EMULATOR_API_KEY: 'set-by-the-admin' });
    try {
      const created = await app.inject({
        method: 'POST',
        url: REGISTRATION,
        headers: { authorization: 'set-by-the-admin' },
        payload: { document_number: CPF_A, image: FACE },
      });
      expect(created.statusCode).toBe(201);
      expect(await keptKey(location)).toBeUndefined();
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
    const location = await testDataLocation();
    const app = await buildTestApp(location, undefined, undefined, {
      loginAs: false,
      accounts: [
        { name: 'qa-1', role: 'qa', environments: null },
        { name: 'registrar-1', role: 'registrar', environments: null },
        { name: 'support-1', role: 'support', environments: null },
      ],
    });
    refusal(await app.inject({ method: 'GET', url: '/api/admin/emulator' }), 401, 'not_authenticated');
    const key = (await keptKey(location)) ?? '';
    expect(key).not.toBe('');
    for (const name of ['qa-1', 'registrar-1', 'support-1']) {
      const cookie = await logIn(app, name);
      const refused = await app.inject({ method: 'GET', url: '/api/admin/emulator', headers: { cookie } });
      refusal(refused, 403, 'forbidden');
      expect(refused.body).not.toContain(key);
    }
    const store = await openTestAccessStore(location);
    const refusals = await store.queryAudit({ action: 'access_refused', limit: 50 });
    expect(refusals.map((e) => e.actor).sort()).toEqual([null, 'qa-1', 'registrar-1', 'support-1']);
  });

  it('answers 404 emulator_off with LOCAL_EMULATOR=off, and no key is made', async () => {
    const location = await testDataLocation();
    const app = await buildTestApp({ ...location, localEmulator: false });
    refusal(await app.inject({ method: 'GET', url: '/api/admin/emulator' }), 404, 'emulator_off');
    expect(await keptKey(location)).toBeUndefined();
  });
});
