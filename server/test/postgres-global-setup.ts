import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { redactDatabaseUrl } from '../lib/postgres.ts';

/*
 * The `server-pg` project's global setup: the PostgreSQL database its tests run on
 * (FRC_TEST_DATABASE_URL, by default the local server's `frc_test`, made here when missing). Each
 * test then works in a schema of its own (helper.ts, testDatabaseUrl). No server answering: the
 * project's tests are skipped, said loudly here; under CI that fails the run instead (.ci/run
 * starts PostgreSQL and checks it first).
 */

declare module 'vitest' {
  interface ProvidedContext {
    /**
     * The PostgreSQL database the `server-pg` project runs the server tests on (postgres-global-setup.ts);
     * undefined in the `server` project (SQLite), and when no PostgreSQL server answered (its tests are then skipped).
     */
    testPostgresUrl: string | undefined;
  }
}

const DEFAULT_URL = 'postgres://127.0.0.1:5432/frc_test';

async function answers(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    await sql`SELECT 1`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Connects to the test database, making it first (from the server's `postgres` database) when it does not exist. */
async function ensureDatabase(url: string): Promise<void> {
  try {
    await answers(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== '3D000') throw error;
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    const maintenance = new URL(url);
    maintenance.pathname = '/postgres';
    const sql = postgres(maintenance.toString(), { max: 1, connect_timeout: 5, onnotice: () => undefined });
    try {
      await sql`CREATE DATABASE ${sql(name)}`;
    } catch (creating) {
      // Another run made it at the same time.
      if ((creating as { code?: unknown }).code !== '42P04') throw creating;
    } finally {
      await sql.end({ timeout: 1 });
    }
    await answers(url);
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.FRC_TEST_DATABASE_URL ?? DEFAULT_URL;
  try {
    await ensureDatabase(url);
    project.provide('testPostgresUrl', url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `No PostgreSQL server answered at ${redactDatabaseUrl(url)} (${reason}).`;
    if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(`${message} CI runs the server tests on PostgreSQL too.`);
    const rule = '!'.repeat(100);
    console.warn(
      `\n${rule}\n${message}\nThe server tests on PostgreSQL (project server-pg) are SKIPPED. Start PostgreSQL, or set FRC_TEST_DATABASE_URL.\n${rule}\n`,
    );
    project.provide('testPostgresUrl', undefined);
  }
}
