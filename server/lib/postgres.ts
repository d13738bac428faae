import postgres from 'postgres';

/*
 * PostgreSQL (DATABASE_URL), shared by the console's stores when several instances serve one
 * console: the driver is `postgres` (porsager), decision 010. Each store opens its own pool.
 */

/** int8 (bigint, count(*), identity columns, ms timestamps) read as a JS number: every value here is below 2^53. */
const INT8_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (value: string) => Number(value),
};

export function connectPostgres(url: string, { max = 10 }: { max?: number } = {}) {
  return postgres(url, {
    max,
    // Seconds: fail a start or a readiness check soon rather than after the driver's 30 s.
    connect_timeout: 10,
    // Idle connections are let go: several instances share the server's connection limit.
    idle_timeout: 60,
    // Notices ("relation already exists, skipping") are not the console's to print.
    onnotice: () => undefined,
    connection: { application_name: 'face-registration-console' },
    types: { int8: INT8_AS_NUMBER },
  });
}

export type Sql = ReturnType<typeof connectPostgres>;
/** A connection inside a transaction (sql.begin's), or the pool itself: what a query may run on. */
export type Queryable = Sql | postgres.TransactionSql<Sql extends postgres.Sql<infer T> ? T : never>;

/** A URL's password as logs and messages may show it. */
const HIDDEN = '***';

/** DATABASE_URL as logs and messages may show it: its password hidden. */
export function redactDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return '(an unreadable URL)';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = HIDDEN;
  return parsed.toString();
}

/** A text (an error's message) with DATABASE_URL's password taken out, as it is or encoded. */
export function concealDatabasePassword(text: string, url: string | undefined): string {
  if (url === undefined || !URL.canParse(url)) return text;
  const raw = new URL(url).password;
  if (raw === '') return text;
  let out = text;
  for (const form of new Set([raw, decodeURIComponent(raw)])) out = out.split(form).join(HIDDEN);
  return out;
}

/**
 * Advisory lock namespaces: the first key of pg_advisory_xact_lock(int, int), the second being the
 * schema's (one console per schema; tests run side by side in schemas of one database).
 * Transaction-scoped: released at commit or rollback, never left behind.
 */
export const LOCK = {
  /** Applying migrations: one store's at a time, whichever the store (they share schema_migrations). */
  migrations: 0x46524301,
  /** Every write that checks accounts first (BEGIN IMMEDIATE in SQLite). */
  accounts: 0x46524302,
  /** A login attempt counted against the throttling limits. */
  loginAttempts: 0x46524303,
  /** The emulator's registrations, each compared with every one before it. */
  registrations: 0x46524304,
  /** One batch of the audit trail's retention job (decision 011), whichever instance runs it. */
  auditRetention: 0x46524305,
  /** Bulk registration's claims of work (decision 013): which instance takes which job, one job running per environment. */
  bulkWork: 0x46524306,
} as const;

/** Takes a transaction-scoped advisory lock of this schema: held until the transaction ends. */
export async function lockForTransaction(tx: Queryable, namespace: number): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(${namespace}::int, hashtext(coalesce(current_schema(), '')))`;
}

/** Which store a migration list belongs to: each counts its own versions in schema_migrations. */
export type MigratedStore = 'console' | 'emulator';

/**
 * Applies the migrations `store` has not run yet, in order, each recorded in schema_migrations
 * (store, version, applied_at). All in one transaction under an advisory lock: instances that
 * start together apply them once, the others wait and find them applied. Append only: a database
 * that has run version N never runs it again.
 */
export async function migrate(sql: Sql, store: MigratedStore, migrations: readonly string[]): Promise<number[]> {
  return sql.begin(async (tx) => {
    await lockForTransaction(tx, LOCK.migrations);
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
               store      text        NOT NULL,
               version    integer     NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (store, version)
             )`;
    const current = await appliedVersion(tx, store);
    const applied: number[] = [];
    for (let version = current + 1; version <= migrations.length; version += 1) {
      await tx.unsafe(migrations[version - 1] ?? '');
      await tx`INSERT INTO schema_migrations (store, version) VALUES (${store}, ${version})`;
      applied.push(version);
    }
    return applied;
  });
}

/** The newest migration of `store` applied to this database (0: none). */
export async function appliedVersion(sql: Queryable, store: MigratedStore): Promise<number> {
  const [row] = await sql<{ version: number | null }[]>`SELECT max(version) AS version FROM schema_migrations WHERE store = ${store}`;
  return row?.version ?? 0;
}

/**
 * Throws unless the database answers and every migration of `store` this code knows is applied
 * (readiness: an instance whose database is behind its code must not take requests).
 */
export async function checkMigrated(sql: Sql, store: MigratedStore, known: number): Promise<void> {
  const version = await appliedVersion(sql, store);
  if (version < known) throw new Error(`the ${store} database is at migration ${String(version)}; this code needs ${String(known)}`);
}
