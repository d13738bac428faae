import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openAccessStore } from '../access/open-store.ts';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../access/postgres-store.ts';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../access/sqlite-store.ts';
import { accessDatabaseFile } from '../access/store.ts';
import { LOGIN_MAX_PER_ACCOUNT } from '../access/throttling.ts';
import { connectPostgres, migrate } from '../lib/postgres.ts';
import type { DataLocation } from './helper.ts';
import { TEST_PASSWORD, buildTestApp, databaseText, openTestAccessStore, refusal, testDataLocation } from './helper.ts';

/** What someone typed into the name field: their password. */
const TYPED_PASSWORD = 'Winter-Sunrise-2026!';

/** The `account` column of every row of login_failures, read with the database's own client. */
async function storedNames(location: DataLocation): Promise<string[]> {
  if (location.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(location.dataDir), { readonly: true });
    try {
      return db.prepare<[], string>('SELECT account FROM login_failures ORDER BY id').pluck().all();
    } finally {
      db.close();
    }
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  try {
    return (await sql<{ account: string }[]>`SELECT account FROM login_failures ORDER BY id`).map((row) => row.account);
  } finally {
    await sql.end();
  }
}

describe('login failures keep no name as it was typed', () => {
  it('stores a keyed hash of the name, never the text, and still slows that name after its failures', async () => {
    const location = await testDataLocation();
    const app = await buildTestApp(location, undefined, undefined, {
      loginAs: false,
      accounts: [{ name: 'support-1', role: 'support', environments: null }],
    });
    const attempt = (name: string, password: string) => app.inject({ method: 'POST', url: '/api/session', payload: { name, password } });

    // A password typed as the name, again and again, written a little differently each time: one name.
    const spellings = [TYPED_PASSWORD, ` ${TYPED_PASSWORD} `, TYPED_PASSWORD.toUpperCase(), TYPED_PASSWORD.toLowerCase()];
    for (let i = 0; i < LOGIN_MAX_PER_ACCOUNT; i += 1) {
      refusal(await attempt(spellings[i % spellings.length] ?? TYPED_PASSWORD, 'whatever'), 401, 'invalid_credentials');
    }
    expect(refusal(await attempt(TYPED_PASSWORD, 'whatever'), 429, 'too_many_attempts').description).toMatch(/for this account/);
    // Another name from the same address is not slowed by it; an account's own failures count as before.
    refusal(await attempt('support-1', 'wrong'), 401, 'invalid_credentials');

    const names = await storedNames(location);
    expect(names).toHaveLength(LOGIN_MAX_PER_ACCOUNT + 1);
    // Two names, each as the same opaque value: neither as it was typed.
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(names).not.toContain('support-1');

    // Nowhere in the database (SQLite's file and its log; PostgreSQL's every row), in any spelling.
    const stored = (await databaseText(location)).toLowerCase();
    expect(stored).not.toContain(TYPED_PASSWORD.toLowerCase());
    expect(stored).not.toContain('winter-sunrise');

    // The account's right password still logs in, and forgets its failures.
    expect((await attempt('support-1', TEST_PASSWORD)).statusCode).toBe(200);
    expect(await storedNames(location)).toHaveLength(LOGIN_MAX_PER_ACCOUNT);
  });

  it('counts by the name however it is written, clears it, and counts by address as before', async () => {
    const store = await openTestAccessStore();
    const now = Date.now();
    await store.recordLoginFailure('Ana', '10.0.0.1', now - 2_000);
    await store.recordLoginFailure(' ana ', '10.0.0.2', now - 1_000);
    await store.recordLoginFailure('bia', '10.0.0.1', now);
    expect(await store.loginFailures('account', 'ana', 0)).toEqual({ count: 2, oldest: now - 2_000, newest: now - 1_000 });
    expect(await store.loginFailures('account', 'ANA', 0)).toMatchObject({ count: 2 });
    expect(await store.loginFailures('address', '10.0.0.1', 0)).toMatchObject({ count: 2 });
    await store.clearLoginFailures('ana');
    expect(await store.loginFailures('account', 'ana', 0)).toEqual({ count: 0, oldest: null, newest: null });
    expect(await store.loginFailures('account', 'bia', 0)).toMatchObject({ count: 1 });
  });

  it('drops, on upgrade, the failures a database kept with their names in clear', async () => {
    const location = await testDataLocation();
    const insert = `INSERT INTO login_failures (account, address, at) VALUES ('${TYPED_PASSWORD}', '10.0.0.1', ${String(Date.now())})`;
    if (location.databaseUrl === undefined) {
      // A console.sqlite as the code before this change left it: every migration up to the new one.
      const before = SQLITE_MIGRATIONS.findIndex((migration) => migration.includes('DELETE FROM login_failures'));
      expect(before).toBeGreaterThan(0);
      const db = new Database(accessDatabaseFile(location.dataDir));
      for (const migration of SQLITE_MIGRATIONS.slice(0, before)) db.exec(migration);
      db.pragma(`user_version = ${String(before)}`);
      db.exec(insert);
      db.close();
    } else {
      const before = POSTGRES_MIGRATIONS.findIndex((migration) => migration.includes('DELETE FROM login_failures'));
      expect(before).toBeGreaterThan(0);
      const sql = connectPostgres(location.databaseUrl, { max: 1 });
      onTestFinished(() => sql.end());
      await migrate(sql, 'console', POSTGRES_MIGRATIONS.slice(0, before));
      await sql.unsafe(insert);
    }
    expect(await storedNames(location)).toEqual([TYPED_PASSWORD]);

    const store = await openAccessStore(location);
    try {
      await store.ready();
      expect(await storedNames(location)).toEqual([]);
      // And what it records from now on is the hash.
      await store.recordLoginFailure(TYPED_PASSWORD, '10.0.0.1');
      expect(await storedNames(location)).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)]);
      expect(await store.loginFailures('account', TYPED_PASSWORD, 0)).toMatchObject({ count: 1 });
    } finally {
      await store.close();
    }
  });
});
