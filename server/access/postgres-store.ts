import { randomBytes } from 'node:crypto';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { mayUse } from '../../contract/access.ts';
import type { Account, Role } from '../../contract/access.ts';
import type { AuditAction, AuditEntry } from '../../contract/access-admin.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { hideCpf } from '../../contract/cpf.ts';
import { PostgresBulkStore } from '../bulk/postgres-store.ts';
import type { BulkStore } from '../bulk/store.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';
import { LOCK, checkMigrated, connectPostgres, lockForTransaction, migrate } from '../lib/postgres.ts';
import type { Queryable, Sql } from '../lib/postgres.ts';
import {
  AUDIT_PRUNE_BATCH,
  PROVIDER_ACCOUNT_HASH,
  auditPrunedEntry,
  cpfHash,
  endsSessions,
  isBreakGlassAdmin,
  loginNameHash,
  loginNameKey,
  sameRights,
} from './store.ts';
import type {
  AccessStore,
  AccountSource,
  LocalLogin,
  ProviderIdentity,
  ProviderSync,
  AccountChange,
  AccountUpdate,
  AuditFilter,
  AuditPruneOptions,
  AuditPruneResult,
  AuditSelection,
  LoginAttemptCounts,
  LoginFailures,
  NewAuditEntry,
  RegistrationOriginRow,
  SharedSecretName,
  StoredAccount,
} from './store.ts';

/**
 * Migrations of the console's tables in PostgreSQL, applied in order and recorded in
 * schema_migrations as store `console` (lib/postgres.ts). Append only. The same data as SQLite's
 * (sqlite-store.ts), plus what several instances must share: the generated keys (`secrets`) and
 * the API rate limit's counters.
 */
export const MIGRATIONS = [
  `CREATE TABLE accounts (
     name                text        PRIMARY KEY,
     password_hash       text        NOT NULL,
     role                text        NOT NULL CHECK (role IN ('admin', 'registrar', 'support', 'qa')),
     environments        jsonb,
     disabled            boolean     NOT NULL DEFAULT false,
     created_at          timestamptz NOT NULL DEFAULT now(),
     last_login_at       timestamptz,
     last_environment    text,
     default_environment text
   );
   CREATE TABLE sessions (
     id         text   PRIMARY KEY,
     account    text   NOT NULL,
     data       jsonb  NOT NULL,
     expires_at bigint NOT NULL
   );
   CREATE INDEX sessions_by_account ON sessions (account);
   CREATE INDEX sessions_by_expiry ON sessions (expires_at);
   CREATE TABLE login_failures (
     id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     account text   NOT NULL,
     address text   NOT NULL,
     at      bigint NOT NULL
   );
   CREATE INDEX login_failures_by_account ON login_failures (account, at);
   CREATE INDEX login_failures_by_address ON login_failures (address, at);
   CREATE TABLE setup_tokens (
     token_hash text        PRIMARY KEY,
     created_at timestamptz NOT NULL DEFAULT now()
   );
   -- Keys generated once for the whole console (the CPF hashes' key, the cookie signing key, the
   -- emulator's key), so that every instance uses the same.
   CREATE TABLE secrets (
     name       text        PRIMARY KEY,
     value      text        NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   );
   -- @fastify/rate-limit's counters, one row per account (or address) and window.
   CREATE TABLE rate_limits (
     key      text    PRIMARY KEY,
     count    integer NOT NULL,
     reset_at bigint  NOT NULL
   );
   CREATE TABLE audit (
     id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at                  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
     actor               text,
     action              text        NOT NULL,
     environment         text,
     cpf_masked          text,
     cpf_hash            text,
     registration_key    text,
     outcome             text        NOT NULL,
     status              integer     NOT NULL,
     consent_term        text,
     address             text,
     face_check_override text
   );
   CREATE INDEX audit_by_time ON audit (at, id);
   CREATE INDEX audit_by_cpf ON audit (cpf_hash);
   CREATE INDEX audit_by_actor ON audit (actor);
   CREATE INDEX audit_by_registration ON audit (lower(registration_key)) WHERE action = 'register' AND outcome = 'ok';
   -- Append-only: what happened cannot be rewritten through SQL (as the console's role).
   CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'the audit trail is append-only';
   END
   $$;
   CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
   CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();`,
  // Audit retention (decision 011). UPDATE and TRUNCATE stay refused; DELETE too, but for the
  // retention job's batches: a transaction that set frc.audit_prune = 'on' and its cut-off
  // (frc.audit_prune_before) with SET LOCAL / set_config(…, true), gone at its end, deletes only
  // the entries older than that cut-off, itself at least a day old: nothing of the last day can go.
  `CREATE FUNCTION audit_delete_by_retention_only() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     cutoff timestamptz := nullif(current_setting('frc.audit_prune_before', true), '')::timestamptz;
   BEGIN
     IF current_setting('frc.audit_prune', true) = 'on' AND cutoff <= now() - interval '1 day' AND OLD.at < cutoff THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION 'the audit trail is append-only';
   END
   $$;
   DROP TRIGGER audit_no_update_or_delete ON audit;
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
   CREATE TRIGGER audit_delete_by_retention_only BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_delete_by_retention_only();`,
  // Single sign-on (decision 012): accounts the provider made (found again by issuer and subject),
  // the break-glass mark of local accounts, and sign-in settings every instance reads alike.
  `ALTER TABLE accounts ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc'));
   ALTER TABLE accounts ADD COLUMN oidc_subject text UNIQUE;
   ALTER TABLE accounts ADD COLUMN break_glass boolean NOT NULL DEFAULT false;
   CREATE TABLE settings (
     name       text        PRIMARY KEY,
     value      text        NOT NULL,
     changed_at timestamptz NOT NULL DEFAULT now()
   );`,
  // Bulk registration (decision 013, server/bulk/postgres-store.ts): jobs, their rows, the rows'
  // photos while they are needed (deleted with their job), and the job each audit entry belongs to.
  // Photos are JPEGs already compressed: stored out of line, uncompressed (STORAGE EXTERNAL).
  `ALTER TABLE audit ADD COLUMN bulk_job text;
   CREATE TABLE bulk_jobs (
     id                       text        PRIMARY KEY,
     -- The order jobs were made in (created_at may tie, or come from several instances' transactions).
     seq                      bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
     environment              text        NOT NULL,
     status                   text        NOT NULL
                              CHECK (status IN ('uploading', 'checking', 'ready', 'queued', 'running', 'paused', 'done', 'cancelled')),
     source_name              text        NOT NULL,
     created_at               timestamptz NOT NULL DEFAULT now(),
     created_by               text        NOT NULL,
     started_by               text,
     started_at               timestamptz,
     finished_at              timestamptz,
     needs_admin_confirmation boolean     NOT NULL,
     pause_reason             jsonb,
     updated_at               timestamptz NOT NULL DEFAULT now(),
     lease_holder             text,
     lease_until              timestamptz
   );
   CREATE INDEX bulk_jobs_by_status ON bulk_jobs (status, created_at);
   CREATE INDEX bulk_jobs_by_environment ON bulk_jobs (environment, created_at);
   CREATE TABLE bulk_rows (
     job_id               text        NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
     csv_row              integer     NOT NULL,
     cpf                  text        NOT NULL,
     file                 text        NOT NULL,
     consent_term_version text        NOT NULL,
     consent_date         text        NOT NULL,
     photo                text,
     status               text        NOT NULL,
     problem              text,
     image_status         text,
     description          text,
     registration_key     text,
     refusal_title        text,
     http_status          integer,
     similar_faces        integer,
     updated_at           timestamptz NOT NULL DEFAULT now(),
     checked_at           timestamptz,
     sent_at              timestamptz,
     PRIMARY KEY (job_id, csv_row)
   );
   CREATE INDEX bulk_rows_by_status ON bulk_rows (job_id, status, csv_row);
   CREATE INDEX bulk_rows_by_photo ON bulk_rows (job_id, photo);
   CREATE INDEX bulk_rows_by_checked ON bulk_rows (job_id, checked_at);
   CREATE INDEX bulk_rows_by_sent ON bulk_rows (job_id, sent_at);
   CREATE TABLE bulk_photos (
     job_id  text  NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
     name    text  NOT NULL,
     content bytea NOT NULL,
     PRIMARY KEY (job_id, name)
   );
   ALTER TABLE bulk_photos ALTER COLUMN content SET STORAGE EXTERNAL;`,
  // login_failures.account held the name typed as it was, a password typed into the name field
  // included; it now holds that name's keyed hash (loginNameHash). The rows of before are dropped,
  // not hashed (no HMAC without pgcrypto, and the key may not be in the database): they are the
  // last 15 minutes' failures at most, so throttling starts afresh once, at the upgrade.
  `DELETE FROM login_failures;
   COMMENT ON COLUMN login_failures.account IS 'HMAC-SHA-256 of the name typed at a failed login (loginNameHash), never the name';`,
];

interface AccountRow {
  name: string;
  password_hash: string;
  role: Role;
  environments: EnvironmentName[] | null;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
  last_environment: EnvironmentName | null;
  default_environment: EnvironmentName | null;
  source: AccountSource;
  oidc_subject: string | null;
  break_glass: boolean;
}

function toAccount(row: AccountRow): StoredAccount {
  return {
    name: row.name,
    role: row.role,
    environments: row.environments,
    passwordHash: row.password_hash,
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
    lastEnvironment: row.last_environment,
    defaultEnvironment: row.default_environment,
    source: row.source,
    oidcSubject: row.oidc_subject,
    breakGlass: row.break_glass,
  };
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string | null;
  action: AuditAction;
  environment: EnvironmentName | null;
  cpf_masked: string | null;
  registration_key: string | null;
  outcome: string;
  status: number;
  consent_term: string | null;
  address: string | null;
  face_check_override: FaceStatus | null;
  bulk_job: string | null;
}

/** The database's clock in ms: the rate limit's windows are measured by one clock for every instance. */
const NOW_MS = '(extract(epoch FROM now()) * 1000)::bigint';

/** A rate-limit call in this many also deletes the counters whose window is over. */
const RATE_LIMIT_PRUNE_EVERY = 500;

/**
 * The console's data in PostgreSQL (DATABASE_URL), shared by every instance. A write whose check
 * must hold when it lands runs in one transaction that first takes an advisory transaction lock
 * (lib/postgres.ts, LOCK): every account write under one lock, as SQLite's BEGIN IMMEDIATE
 * serializes them; every login attempt under another. Reads see what other instances committed.
 */
export class PostgresAccessStore implements AccessStore {
  readonly kind = 'postgres';
  readonly #sql: Sql;
  readonly #cpfKey: Buffer;
  /** The key of the names login_failures keeps (loginNameHash). */
  readonly #loginNameKey: Buffer;
  #closed = false;
  #bulk: PostgresBulkStore | undefined;

  constructor(sql: Sql, cpfKey: Buffer) {
    this.#sql = sql;
    this.#cpfKey = cpfKey;
    this.#loginNameKey = loginNameKey(cpfKey);
  }

  async ready(): Promise<void> {
    await checkMigrated(this.#sql, 'console', MIGRATIONS.length);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.end({ timeout: 5 });
  }

  async secret(name: SharedSecretName): Promise<string> {
    return keptSecret(this.#sql, name);
  }

  bulk(): BulkStore {
    // The same pool: a row's outcome and its audit entry commit in one transaction.
    this.#bulk ??= new PostgresBulkStore(this.#sql, (sql, entry) => this.#appendAudit(sql, entry));
    return this.#bulk;
  }

  rateLimitStore(): FastifyRateLimitStoreCtor {
    const sql = this.#sql;
    let calls = 0;
    const prune = () => {
      sql`DELETE FROM rate_limits WHERE reset_at <= ${sql.unsafe(NOW_MS)}`.catch(() => undefined);
    };
    /** One window per key: a first call opens it, later ones count in it, the first after its end opens another. */
    class PostgresRateLimitStore implements FastifyRateLimitStore {
      incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
        calls += 1;
        if (calls % RATE_LIMIT_PRUNE_EVERY === 0) prune();
        sql<{ count: number; ttl: number }[]>`
          INSERT INTO rate_limits AS r (key, count, reset_at)
          VALUES (${key}, 1, ${sql.unsafe(NOW_MS)} + ${timeWindow}::bigint)
          ON CONFLICT (key) DO UPDATE SET
            count    = CASE WHEN r.reset_at <= ${sql.unsafe(NOW_MS)} THEN 1 ELSE r.count + 1 END,
            reset_at = CASE WHEN r.reset_at <= ${sql.unsafe(NOW_MS)} THEN excluded.reset_at ELSE r.reset_at END
          RETURNING count, reset_at - ${sql.unsafe(NOW_MS)} AS ttl`.then(
          ([row]) => {
            callback(null, { current: row?.count ?? 1, ttl: Math.max(0, row?.ttl ?? timeWindow) });
          },
          (error: unknown) => {
            callback(error as Error);
          },
        );
      }

      child(): FastifyRateLimitStore {
        return new PostgresRateLimitStore();
      }
    }
    return PostgresRateLimitStore;
  }

  // Accounts

  async countAccounts(): Promise<number> {
    const [row] = await this.#sql<{ count: number }[]>`SELECT count(*) AS count FROM accounts`;
    return row?.count ?? 0;
  }

  async #findAccount(sql: Queryable, name: string): Promise<StoredAccount | undefined> {
    const [row] = await sql<AccountRow[]>`SELECT * FROM accounts WHERE name = ${name}`;
    return row === undefined ? undefined : toAccount(row);
  }

  findAccount(name: string): Promise<StoredAccount | undefined> {
    return this.#findAccount(this.#sql, name);
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return (await this.#sql<AccountRow[]>`SELECT * FROM accounts ORDER BY name`).map(toAccount);
  }

  /** A write that checks accounts first, serialized with every other such write of any instance. */
  #accountsWrite<T>(body: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#sql.begin(async (tx) => {
      await lockForTransaction(tx, LOCK.accounts);
      return body(tx);
    }) as Promise<T>;
  }

  async #isEnabledAdmin(tx: Queryable, actor: string): Promise<boolean> {
    const [row] = await tx<{ role: Role; disabled: boolean }[]>`SELECT role, disabled FROM accounts WHERE name = ${actor}`;
    return row?.role === 'admin' && !row.disabled;
  }

  async #insertAccount(tx: Queryable, account: Account, passwordHash: string): Promise<boolean> {
    const environments = account.environments === null ? null : this.#sql.json(account.environments);
    const result = await tx`
      INSERT INTO accounts (name, password_hash, role, environments)
      VALUES (${account.name}, ${passwordHash}, ${account.role}, ${environments})
      ON CONFLICT DO NOTHING`;
    return result.count === 1;
  }

  createAccount(account: Account, passwordHash: string, actor?: string): Promise<'created' | 'exists' | 'actor_not_admin'> {
    return this.#accountsWrite(async (tx) => {
      if (actor !== undefined && !(await this.#isEnabledAdmin(tx, actor))) return 'actor_not_admin';
      return (await this.#insertAccount(tx, account, passwordHash)) ? 'created' : 'exists';
    });
  }

  updateAccount(
    name: string,
    change: AccountChange,
    { actor, keepSession }: { actor?: string; keepSession?: string } = {},
  ): Promise<AccountUpdate> {
    return this.#accountsWrite(async (tx): Promise<AccountUpdate> => {
      if (actor !== undefined && !(await this.#isEnabledAdmin(tx, actor))) return 'actor_not_admin';
      const current = await this.#findAccount(tx, name);
      if (current === undefined) return 'not_found';
      const role = change.role ?? current.role;
      const disabled = change.disabled ?? current.disabled;
      const breakGlass = change.breakGlass ?? current.breakGlass;
      const wasEnabledAdmin = current.role === 'admin' && !current.disabled;
      if (wasEnabledAdmin && (role !== 'admin' || disabled) && (await this.#enabledAdmins(tx)) <= 1) return 'last_admin';
      if (
        isBreakGlassAdmin(current) &&
        !isBreakGlassAdmin({ role, disabled, breakGlass }) &&
        (await this.#localLogin(tx)) === 'break_glass' &&
        (await this.#breakGlassAdmins(tx)) <= 1
      ) {
        return 'last_break_glass';
      }
      const environments = change.environments === undefined ? current.environments : change.environments;
      const allowed = (environment: EnvironmentName | null) =>
        environment !== null && mayUse({ name, role, environments }, environment) ? environment : null;
      if (change.defaultEnvironment !== undefined && change.defaultEnvironment !== allowed(change.defaultEnvironment)) {
        return 'default_not_allowed';
      }
      await tx`
        UPDATE accounts SET
          role = ${role},
          environments = ${environments === null ? null : this.#sql.json(environments)},
          disabled = ${disabled},
          password_hash = ${change.passwordHash ?? current.passwordHash},
          default_environment = ${allowed(change.defaultEnvironment === undefined ? current.defaultEnvironment : change.defaultEnvironment)},
          last_environment = ${allowed(current.lastEnvironment)},
          break_glass = ${breakGlass}
        WHERE name = ${name}`;
      if (endsSessions(change)) await this.#endSessionsOf(tx, name, keepSession);
      return 'updated';
    });
  }

  async #enabledAdmins(tx: Queryable): Promise<number> {
    const [row] = await tx<{ count: number }[]>`SELECT count(*) AS count FROM accounts WHERE role = 'admin' AND NOT disabled`;
    return row?.count ?? 0;
  }

  async #breakGlassAdmins(tx: Queryable): Promise<number> {
    const [row] = await tx<{ count: number }[]>`
      SELECT count(*) AS count FROM accounts WHERE role = 'admin' AND NOT disabled AND break_glass`;
    return row?.count ?? 0;
  }

  syncProviderAccount(identity: ProviderIdentity): Promise<ProviderSync> {
    return this.#accountsWrite(async (tx): Promise<ProviderSync> => {
      const [row] = await tx<AccountRow[]>`SELECT * FROM accounts WHERE oidc_subject = ${identity.subject}`;
      if (row === undefined) {
        const environments = identity.environments === null ? null : this.#sql.json(identity.environments);
        const inserted = await tx`
          INSERT INTO accounts (name, password_hash, role, environments, source, oidc_subject)
          VALUES (${identity.name}, ${PROVIDER_ACCOUNT_HASH}, ${identity.role}, ${environments}, 'oidc', ${identity.subject})
          ON CONFLICT DO NOTHING`;
        const account = await this.#findAccount(tx, identity.name);
        return inserted.count === 1 && account !== undefined ? { outcome: 'created', account } : { outcome: 'name_taken' };
      }
      const current = toAccount(row);
      if (sameRights(current, identity)) return { outcome: 'unchanged', account: current };
      const wasEnabledAdmin = current.role === 'admin' && !current.disabled;
      if (wasEnabledAdmin && identity.role !== 'admin' && (await this.#enabledAdmins(tx)) <= 1) return { outcome: 'last_admin' };
      const rights = { name: current.name, role: identity.role, environments: identity.environments };
      const allowed = (environment: EnvironmentName | null) => (environment !== null && mayUse(rights, environment) ? environment : null);
      await tx`
        UPDATE accounts SET
          role = ${identity.role},
          environments = ${identity.environments === null ? null : this.#sql.json(identity.environments)},
          default_environment = ${allowed(current.defaultEnvironment)},
          last_environment = ${allowed(current.lastEnvironment)}
        WHERE name = ${current.name}`;
      // What the account may do changed: its sessions opened with the old rights end.
      await this.#endSessionsOf(tx, current.name);
      const account = (await this.#findAccount(tx, current.name)) ?? current;
      return { outcome: 'updated', account, previous: { name: current.name, role: current.role, environments: current.environments } };
    });
  }

  // Sign-in settings

  async #setting(sql: Queryable, name: string): Promise<string | undefined> {
    const [row] = await sql<{ value: string }[]>`SELECT value FROM settings WHERE name = ${name}`;
    return row?.value;
  }

  async #writeSetting(tx: Queryable, name: string, value: string): Promise<void> {
    await tx`
      INSERT INTO settings (name, value) VALUES (${name}, ${value})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, changed_at = now()`;
  }

  async #localLogin(sql: Queryable): Promise<LocalLogin> {
    return (await this.#setting(sql, 'local_login')) === 'break_glass' ? 'break_glass' : 'everyone';
  }

  localLogin(): Promise<LocalLogin> {
    return this.#localLogin(this.#sql);
  }

  setLocalLogin(value: LocalLogin, actor: string): Promise<'changed' | 'unchanged' | 'actor_not_admin' | 'no_break_glass_admin'> {
    return this.#accountsWrite(async (tx) => {
      if (!(await this.#isEnabledAdmin(tx, actor))) return 'actor_not_admin';
      if ((await this.#localLogin(tx)) === value) return 'unchanged';
      if (value === 'break_glass' && (await this.#breakGlassAdmins(tx)) === 0) return 'no_break_glass_admin';
      await this.#writeSetting(tx, 'local_login', value);
      return 'changed';
    });
  }

  recordRoleMap(text: string): Promise<boolean> {
    return this.#accountsWrite(async (tx) => {
      if ((await this.#setting(tx, 'oidc_role_map')) === text) return false;
      await this.#writeSetting(tx, 'oidc_role_map', text);
      return true;
    });
  }

  async recordEnvironmentChoice(name: string, environment: EnvironmentName): Promise<void> {
    await this.#sql`UPDATE accounts SET last_environment = ${environment} WHERE name = ${name}`;
  }

  async recordLogin(name: string): Promise<void> {
    await this.#sql`UPDATE accounts SET last_login_at = now() WHERE name = ${name}`;
  }

  // The first admin's setup

  openSetup(tokenHash: string): Promise<boolean> {
    return this.#accountsWrite(async (tx) => {
      const [accounts] = await tx<{ count: number }[]>`SELECT count(*) AS count FROM accounts`;
      if ((accounts?.count ?? 0) > 0) return false;
      await tx`INSERT INTO setup_tokens (token_hash) VALUES (${tokenHash}) ON CONFLICT DO NOTHING`;
      return true;
    });
  }

  async setupTokenValid(tokenHash: string): Promise<boolean> {
    const [row] = await this.#sql<{ valid: boolean }[]>`
      SELECT NOT EXISTS (SELECT 1 FROM accounts) AND EXISTS (SELECT 1 FROM setup_tokens WHERE token_hash = ${tokenHash}) AS valid`;
    return row?.valid === true;
  }

  createFirstAdmin(account: Account, passwordHash: string, tokenHash: string): Promise<'created' | 'not_available' | 'invalid_token'> {
    return this.#accountsWrite(async (tx): Promise<'created' | 'not_available' | 'invalid_token'> => {
      const [accounts] = await tx<{ count: number }[]>`SELECT count(*) AS count FROM accounts`;
      if ((accounts?.count ?? 0) > 0) return 'not_available';
      const [token] = await tx`SELECT 1 FROM setup_tokens WHERE token_hash = ${tokenHash}`;
      if (token === undefined) return 'invalid_token';
      if (!(await this.#insertAccount(tx, { ...account, role: 'admin' }, passwordHash))) return 'not_available';
      await tx`DELETE FROM setup_tokens`;
      return 'created';
    });
  }

  // Sessions (the store of @fastify/session): read from the database on every request, so a
  // session made on one instance is one on all, and one ended on any is ended on all.

  async getSession(id: string, now = Date.now()): Promise<unknown> {
    const [row] = await this.#sql<{ data: unknown; expires_at: number }[]>`SELECT data, expires_at FROM sessions WHERE id = ${id}`;
    if (row === undefined) return null;
    if (row.expires_at <= now) {
      await this.destroySession(id);
      return null;
    }
    return row.data;
  }

  async sessionAccount(sessionId: string, name: string): Promise<StoredAccount | undefined> {
    const [row] = await this.#sql<AccountRow[]>`SELECT a.* FROM accounts a JOIN sessions s ON s.id = ${sessionId} WHERE a.name = ${name}`;
    return row === undefined ? undefined : toAccount(row);
  }

  createSession(id: string, data: unknown, expiresAt: number, account: { name: string; passwordHash: string }): Promise<boolean> {
    return this.#accountsWrite(async (tx) => {
      const [row] = await tx<{ password_hash: string; disabled: boolean }[]>`
        SELECT password_hash, disabled FROM accounts WHERE name = ${account.name}`;
      if (row === undefined || row.disabled || row.password_hash !== account.passwordHash) return false;
      await tx`
        INSERT INTO sessions (id, account, data, expires_at)
        VALUES (${id}, ${account.name}, ${this.#sql.json(sessionJson(data))}, ${expiresAt}::bigint)`;
      return true;
    });
  }

  async setSession(id: string, data: unknown, expiresAt: number): Promise<void> {
    await this.#sql`UPDATE sessions SET data = ${this.#sql.json(sessionJson(data))}, expires_at = ${expiresAt}::bigint WHERE id = ${id}`;
  }

  async destroySession(id: string): Promise<void> {
    await this.#sql`DELETE FROM sessions WHERE id = ${id}`;
  }

  async #endSessionsOf(sql: Queryable, name: string, except?: string): Promise<void> {
    await sql`DELETE FROM sessions WHERE account = ${name} AND id IS DISTINCT FROM ${except ?? null}`;
  }

  endSessionsOf(name: string, except?: string): Promise<void> {
    return this.#endSessionsOf(this.#sql, name, except);
  }

  async pruneSessions(now = Date.now()): Promise<void> {
    await this.#sql`DELETE FROM sessions WHERE expires_at <= ${now}::bigint`;
  }

  // Login failures

  async recordLoginFailure(account: string, address: string, now = Date.now()): Promise<void> {
    await this.#sql`INSERT INTO login_failures (account, address, at) VALUES (${this.#nameHash(account)}, ${address}, ${now}::bigint)`;
  }

  /** What login_failures keeps of a name typed (loginNameHash). */
  #nameHash(account: string): string {
    return loginNameHash(this.#loginNameKey, account);
  }

  async #loginFailures(sql: Queryable, column: 'account' | 'address', value: string, since: number): Promise<LoginFailures> {
    const [row] = await sql<LoginFailures[]>`
      SELECT count(*) AS count, min(at) AS oldest, max(at) AS newest FROM login_failures
      WHERE ${sql(column)} = ${column === 'account' ? this.#nameHash(value) : value} AND at > ${since}::bigint`;
    return row ?? { count: 0, oldest: null, newest: null };
  }

  loginFailures(column: 'account' | 'address', value: string, since: number): Promise<LoginFailures> {
    return this.#loginFailures(this.#sql, column, value, since);
  }

  beginLoginAttempt<R>(
    account: string,
    address: string,
    now: number,
    since: number,
    decide: (counts: LoginAttemptCounts) => R | undefined,
  ): Promise<R | undefined> {
    // One attempt at a time across instances (as BEGIN IMMEDIATE does in SQLite): each counts
    // the attempts committed before it, its own recorded before the next one counts.
    return this.#sql.begin(async (tx) => {
      await lockForTransaction(tx, LOCK.loginAttempts);
      const refusal = decide({
        byAddress: await this.#loginFailures(tx, 'address', address, since),
        byAccount: await this.#loginFailures(tx, 'account', account, since),
      });
      if (refusal === undefined)
        await tx`INSERT INTO login_failures (account, address, at) VALUES (${this.#nameHash(account)}, ${address}, ${now}::bigint)`;
      return refusal;
    }) as Promise<R | undefined>;
  }

  async pruneLoginFailures(before: number): Promise<void> {
    await this.#sql`DELETE FROM login_failures WHERE at <= ${before}::bigint`;
  }

  async clearLoginFailures(account: string): Promise<void> {
    await this.#sql`DELETE FROM login_failures WHERE account = ${this.#nameHash(account)}`;
  }

  // Audit trail: the time of each entry is the database's, so entries of every instance are in one order.

  async #appendAudit(sql: Queryable, entry: NewAuditEntry): Promise<void> {
    const cpf = entry.cpf ?? null;
    await sql`
      INSERT INTO audit (actor, action, environment, cpf_masked, cpf_hash, registration_key, outcome, status, consent_term, address,
                         face_check_override, bulk_job)
      VALUES (${entry.actor}, ${entry.action}, ${entry.environment ?? null}, ${cpf === null ? null : hideCpf(cpf)},
              ${cpf === null ? null : cpfHash(this.#cpfKey, cpf)}, ${entry.registrationKey ?? null}, ${entry.outcome}, ${entry.status},
              ${entry.consentTerm ?? null}, ${entry.address ?? null}, ${entry.faceCheckOverride ?? null}, ${entry.bulkJob ?? null})`;
  }

  appendAudit(entry: NewAuditEntry): Promise<void> {
    return this.#appendAudit(this.#sql, entry);
  }

  auditCpfHash(cpf: string): string | null {
    return cpfHash(this.#cpfKey, cpf);
  }

  /**
   * One page of the selection, newest first: after the entry `after` (its time as the database's
   * text, exact to the microsecond, then its id) when given, else from the newest (or from
   * `before`, the id of an entry).
   */
  async #auditPage(selection: AuditSelection, limit: number, after?: { at: string; id: number }) {
    const sql = this.#sql;
    const conditions = [
      selection.from === undefined ? undefined : sql`at >= ${selection.from}::timestamptz`,
      selection.to === undefined ? undefined : sql`at < ${selection.to}::timestamptz`,
      selection.user === undefined ? undefined : sql`actor = ${selection.user}`,
      selection.cpf === undefined ? undefined : sql`cpf_hash = ${cpfHash(this.#cpfKey, selection.cpf) ?? ''}`,
      selection.cpfHash === undefined ? undefined : sql`cpf_hash = ${selection.cpfHash}`,
      selection.action === undefined ? undefined : sql`action = ${selection.action}`,
      selection.environment === undefined ? undefined : sql`environment = ${selection.environment}`,
      // Older than the entry named: by time, then id, as the trail is ordered.
      selection.before === undefined ? undefined : sql`(at, id) < (SELECT at, id FROM audit WHERE id = ${selection.before})`,
      after === undefined ? undefined : sql`(at, id) < (${after.at}::timestamptz, ${after.id}::bigint)`,
    ].filter((condition) => condition !== undefined);
    const where = conditions.reduce((all, condition) => sql`${all} AND ${condition}`, sql`TRUE`);
    const rows = await sql<(AuditRow & { at_key: string })[]>`
      SELECT id, at, actor, action, environment, cpf_masked, registration_key, outcome, status, consent_term, address, face_check_override,
             bulk_job, at::text AS at_key
      FROM audit WHERE ${where} ORDER BY at DESC, id DESC LIMIT ${limit}`;
    const entries = rows.map(({ at_key: _, ...row }): AuditEntry => ({ ...row, at: row.at.toISOString() }));
    const last = rows.at(-1);
    return { entries, last: last === undefined ? undefined : { at: last.at_key, id: last.id } };
  }

  async queryAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return (await this.#auditPage(filter, filter.limit)).entries;
  }

  async *auditPages(selection: AuditSelection, pageSize: number): AsyncGenerator<AuditEntry[], void, undefined> {
    // Keyset pages rather than a cursor: a cursor holds a connection of the pool, and a transaction,
    // for as long as the client takes to read; a page holds neither between reads.
    let after: { at: string; id: number } | undefined;
    for (;;) {
      const { entries, last } = await this.#auditPage(selection, pageSize, after);
      if (entries.length > 0) yield entries;
      if (entries.length < pageSize || last === undefined) return;
      after = last;
    }
  }

  async pruneAudit(retentionDays: number, { batchSize = AUDIT_PRUNE_BATCH, signal }: AuditPruneOptions = {}): Promise<AuditPruneResult> {
    // The cut-off by the database's clock, as the trail's times are; to the millisecond, as they are.
    const [row] = await this.#sql<{ cutoff: Date }[]>`
      SELECT date_trunc('milliseconds', now() - make_interval(days => ${retentionDays}::int)) AS cutoff`;
    if (row === undefined) throw new Error('the database gave no time');
    const cutoff = row.cutoff.toISOString();
    const result: AuditPruneResult = { deleted: 0, cutoff, batches: 0 };
    while (signal?.aborted !== true) {
      // One batch at a time across instances; the trigger lets this transaction's DELETE through.
      const deleted = await this.#sql.begin(async (tx) => {
        await lockForTransaction(tx, LOCK.auditRetention);
        await tx`SELECT set_config('frc.audit_prune', 'on', true), set_config('frc.audit_prune_before', ${cutoff}, true)`;
        const { count } = await tx`
          DELETE FROM audit WHERE id IN (
            SELECT id FROM audit WHERE at < ${cutoff}::timestamptz ORDER BY at, id LIMIT ${batchSize}::int)`;
        if (count > 0) await this.#appendAudit(tx, auditPrunedEntry(count, cutoff));
        return count;
      });
      if (deleted > 0) {
        result.deleted += deleted;
        result.batches += 1;
      }
      if (deleted < batchSize) break;
    }
    return result;
  }

  async registrationOrigin(environment: EnvironmentName, registrationKey: string): Promise<RegistrationOriginRow | undefined> {
    const [row] = await this.#sql<{ at: Date; actor: string | null }[]>`
      SELECT at, actor FROM audit
      WHERE action = 'register' AND outcome = 'ok' AND environment = ${environment} AND lower(registration_key) = ${registrationKey.toLowerCase()}
      ORDER BY at, id LIMIT 1`;
    return row === undefined ? undefined : { at: row.at.toISOString(), actor: row.actor };
  }
}

/** A session as @fastify/session hands it (a class instance with a cookie): its JSON, as SQLite keeps it. */
function sessionJson(data: unknown): Parameters<Sql['json']>[0] {
  return JSON.parse(JSON.stringify(data)) as Parameters<Sql['json']>[0];
}

/** A key every instance shares: made by the first that needs it, read by the others. */
async function keptSecret(sql: Sql, name: SharedSecretName | 'audit-cpf'): Promise<string> {
  await sql`INSERT INTO secrets (name, value) VALUES (${name}, ${randomBytes(32).toString('base64url')}) ON CONFLICT DO NOTHING`;
  const [row] = await sql<{ value: string }[]>`SELECT value FROM secrets WHERE name = ${name}`;
  if (row === undefined) throw new Error(`the secret ${name} was not kept`);
  return row.value;
}

/** DATABASE_URL's store: its migrations applied first (once, whatever the instances starting together). */
export async function openPostgresAccessStore(url: string, cpfKey?: Buffer): Promise<PostgresAccessStore> {
  const sql = connectPostgres(url);
  try {
    await migrate(sql, 'console', MIGRATIONS);
    return new PostgresAccessStore(sql, cpfKey ?? Buffer.from(await keptSecret(sql, 'audit-cpf'), 'base64url'));
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
}
