import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openAccessStore } from '../access/open-store.ts';
import { accessDatabaseFile } from '../access/store.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import { connectPostgres } from '../lib/postgres.ts';
import { json, refusal, testDataLocation } from './helper.ts';

/** A console on its own data (folder, or PostgreSQL schema), with its access store at hand. */
async function console_() {
  const location = await testDataLocation();
  const config = { ...loadConfig({}), ...location };
  const access = await openAccessStore(config);
  const app = await buildServer({ config, access, logger: false });
  onTestFinished(async () => {
    await app.close();
  });
  return { app, access, location };
}

describe('health', () => {
  it('says the process is up and ready, to anyone, without a session', async () => {
    const { app } = await console_();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(json(health)).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(json(ready)).toEqual({ status: 'ready' });
    expect((await app.inject({ method: 'HEAD', url: '/readyz' })).statusCode).toBe(200);
  });

  it('is not ready when no environment is configured (no emulator, no QI Tech key), and says what to set', async () => {
    const location = await testDataLocation();
    const config = { ...loadConfig({ LOCAL_EMULATOR: 'off' }), ...location };
    const app = await buildServer({ config, logger: false });
    onTestFinished(async () => {
      await app.close();
    });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(refusal(ready, 503, 'not_ready').description).toMatch(/LOCAL_EMULATOR is off and neither QITECH_SANDBOX_API_KEY/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('is not ready when its database does not answer, and says so in JSON; still up', async () => {
    const { app, access } = await console_();
    await access.close();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(refusal(ready, 503, 'not_ready').description).toMatch(/cannot reach its database/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('is not ready when its database lacks a migration this code needs (an older database, not migrated)', async () => {
    const { app, location } = await console_();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    if (location.databaseUrl === undefined) {
      const db = new Database(accessDatabaseFile(location.dataDir));
      db.pragma('user_version = 2');
      db.close();
    } else {
      const sql = connectPostgres(location.databaseUrl, { max: 1 });
      onTestFinished(() => sql.end());
      await sql`DELETE FROM schema_migrations WHERE store = 'emulator'`;
    }
    refusal(await app.inject({ method: 'GET', url: '/readyz' }), 503, 'not_ready');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses other methods with 405 and the methods allowed', async () => {
    const { app } = await console_();
    const post = await app.inject({ method: 'POST', url: '/readyz', payload: {} });
    expect(refusal(post, 405, 'method_not_allowed').description).toMatch(/use GET/);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});
