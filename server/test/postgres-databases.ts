import postgres from 'postgres';

/**
 * Databases of their own on the local PostgreSQL server, for the runs that start whole console
 * servers on it (e2e/support/instances.ts, scripts/bench/console-data.ts): FRC_TEST_DATABASE_URL's
 * server (the server tests' database, which .ci/run checks and `npm test` makes), by default the
 * local one. That database itself is not used: each run makes one beside it and drops it after.
 */
const SERVER_URL = process.env.FRC_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/frc_test';

/** The URL of database `name` on that server. */
export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  url.search = '';
  return url.toString();
}

/** Runs `work` on the server's maintenance database, one connection, closed after. */
async function onMaintenance<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(databaseUrl('postgres'), { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Drops what an earlier run left under this name (an interrupted one too), then makes the database afresh. */
export async function recreateDatabase(name: string): Promise<void> {
  await onMaintenance(async (sql) => {
    await sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`;
    await sql`CREATE DATABASE ${sql(name)}`;
  });
}

/** Drops the database, closing its connections. */
export async function dropDatabase(name: string): Promise<void> {
  await onMaintenance(async (sql) => {
    await sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`;
  });
}

/** Why the PostgreSQL server cannot be used, or undefined when it answers. */
export async function postgresUnavailable(): Promise<string | undefined> {
  try {
    await onMaintenance((sql) => sql`SELECT 1`);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The server's version number (`15.20`), for the benches' reports. */
export async function postgresVersion(): Promise<string> {
  const [row] = await onMaintenance((sql) => sql<{ server_version: string }[]>`SHOW server_version`);
  // `15.20 (Debian 15.20-0+deb12u1)`: the number alone.
  return row?.server_version.split(' ')[0] ?? '?';
}
