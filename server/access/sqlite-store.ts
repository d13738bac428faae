import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { mayUse } from '../../contract/access.ts';
import type { Account, Role } from '../../contract/access.ts';
import type { AuditEntry } from '../../contract/access-admin.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { hideCpf } from '../../contract/cpf.ts';
import { SqliteBulkStore } from '../bulk/sqlite-store.ts';
import type { BulkStore } from '../bulk/store.ts';
import { emulatorKeyFile, textKeyFile } from '../lib/data-dir.ts';
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
  secretFile,
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
 * Migrations, applied in order and counted in PRAGMA user_version. Append only: a database that
 * has run migration N never runs it again.
 */
export const MIGRATIONS = [
  `CREATE TABLE accounts (
     name          TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role          TEXT NOT NULL CHECK (role IN ('admin', 'registrar', 'support', 'qa')),
     environments  TEXT,
     disabled      INTEGER NOT NULL DEFAULT 0,
     created_at    TEXT NOT NULL,
     last_login_at TEXT
   ) STRICT;
   CREATE TABLE sessions (
     id         TEXT PRIMARY KEY,
     data       TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE login_failures (
     id      INTEGER PRIMARY KEY,
     account TEXT NOT NULL,
     address TEXT NOT NULL,
     at      INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX login_failures_by_account ON login_failures (account, at);
   CREATE INDEX login_failures_by_address ON login_failures (address, at);
   CREATE TABLE audit (
     id               INTEGER PRIMARY KEY AUTOINCREMENT,
     at               TEXT NOT NULL,
     actor            TEXT,
     action           TEXT NOT NULL,
     environment      TEXT,
     cpf_masked       TEXT,
     cpf_hash         TEXT,
     registration_key TEXT,
     outcome          TEXT NOT NULL,
     status           INTEGER NOT NULL,
     consent_term     TEXT,
     address          TEXT
   ) STRICT;
   CREATE INDEX audit_by_at ON audit (at);
   CREATE INDEX audit_by_cpf ON audit (cpf_hash);
   CREATE INDEX audit_by_actor ON audit (actor);
   -- Append-only: what happened cannot be rewritten through this database's SQL.
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`,
  // A picture the console's face check refused, registered anyway after a confirmation: the check's status.
  `ALTER TABLE audit ADD COLUMN face_check_override TEXT;`,
  // Where the console opens for an account whose address names no environment: the one it last
  // chose, else the default an admin set (issue 12: a production desk re-chose it at every login).
  `ALTER TABLE accounts ADD COLUMN last_environment TEXT;
   ALTER TABLE accounts ADD COLUMN default_environment TEXT;`,
  // The first admin's setup tokens (their SHA-256), so that a second process on this file (or a
  // restart) accepts a link printed before: forgotten once the first admin exists.
  `CREATE TABLE setup_tokens (
     token_hash TEXT PRIMARY KEY,
     created_at TEXT NOT NULL
   ) STRICT;`,
  // Audit retention (decision 011). DELETE stays refused but for the retention job's batches: each
  // sets the one row of audit_prune (its cut-off) and clears it again inside its own transaction, so
  // no other connection ever sees it. Even then an entry goes only when it is older than that
  // cut-off, itself at least a day old: nothing of the last day can be deleted at all.
  `CREATE TABLE audit_prune (
     id     INTEGER PRIMARY KEY CHECK (id = 1),
     before TEXT NOT NULL
   ) STRICT;
   DROP TRIGGER audit_no_delete;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
   WHEN NOT EXISTS (
     SELECT 1 FROM audit_prune p WHERE old.at < p.before AND p.before <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
   )
   BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`,
  // Single sign-on (decision 012): accounts the provider made (found again by issuer and subject),
  // the break-glass mark of local accounts, and sign-in settings every instance reads alike.
  `ALTER TABLE accounts ADD COLUMN source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc'));
   ALTER TABLE accounts ADD COLUMN oidc_subject TEXT;
   ALTER TABLE accounts ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
   CREATE UNIQUE INDEX accounts_by_oidc_subject ON accounts (oidc_subject);
   CREATE TABLE settings (
     name       TEXT PRIMARY KEY,
     value      TEXT NOT NULL,
     changed_at TEXT NOT NULL
   ) STRICT;`,
  // Bulk registration (decision 013, server/bulk/sqlite-store.ts): jobs, their rows, the rows'
  // photos while they are needed, and the job each audit entry belongs to. Times in ms. A job's rows
  // and photos are deleted with it by the store (explicitly: foreign keys are not enforced here).
  // The store names the index each query of bulk_rows uses (INDEXED BY): without statistics the
  // planner took the primary key for all, scanning a job's 20,000 rows for each of them.
  `ALTER TABLE audit ADD COLUMN bulk_job TEXT;
   CREATE TABLE bulk_jobs (
     id                       TEXT PRIMARY KEY,
     environment              TEXT NOT NULL,
     status                   TEXT NOT NULL
                              CHECK (status IN ('uploading', 'checking', 'ready', 'queued', 'running', 'paused', 'done', 'cancelled')),
     source_name              TEXT NOT NULL,
     created_at               INTEGER NOT NULL,
     created_by               TEXT NOT NULL,
     started_by               TEXT,
     started_at               INTEGER,
     finished_at              INTEGER,
     needs_admin_confirmation INTEGER NOT NULL,
     pause_reason             TEXT,
     updated_at               INTEGER NOT NULL,
     lease_holder             TEXT,
     lease_until              INTEGER
   ) STRICT;
   CREATE INDEX bulk_jobs_by_status ON bulk_jobs (status, created_at);
   CREATE INDEX bulk_jobs_by_environment ON bulk_jobs (environment, created_at);
   CREATE TABLE bulk_rows (
     job_id               TEXT NOT NULL,
     csv_row              INTEGER NOT NULL,
     cpf                  TEXT NOT NULL,
     file                 TEXT NOT NULL,
     consent_term_version TEXT NOT NULL,
     consent_date         TEXT NOT NULL,
     photo                TEXT,
     status               TEXT NOT NULL,
     problem              TEXT,
     image_status         TEXT,
     description          TEXT,
     registration_key     TEXT,
     refusal_title        TEXT,
     http_status          INTEGER,
     similar_faces        INTEGER,
     updated_at           INTEGER NOT NULL,
     checked_at           INTEGER,
     sent_at              INTEGER,
     PRIMARY KEY (job_id, csv_row)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX bulk_rows_by_status ON bulk_rows (job_id, status, csv_row);
   CREATE INDEX bulk_rows_by_photo ON bulk_rows (job_id, photo);
   CREATE INDEX bulk_rows_by_checked ON bulk_rows (job_id, checked_at);
   CREATE INDEX bulk_rows_by_sent ON bulk_rows (job_id, sent_at);
   CREATE TABLE bulk_photos (
     job_id  TEXT NOT NULL,
     name    TEXT NOT NULL,
     content BLOB NOT NULL,
     PRIMARY KEY (job_id, name)
   ) STRICT;`,
  // login_failures.account held the name typed as it was, a password typed into the name field
  // included; it now holds that name's keyed hash (loginNameHash). The rows of before are dropped,
  // not hashed (SQL has no HMAC): they are the last 15 minutes' failures at most, so throttling
  // starts afresh once, at the upgrade.
  `DELETE FROM login_failures;`,
];

interface AccountRow {
  name: string;
  password_hash: string;
  role: Role;
  environments: string | null;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
  last_environment: EnvironmentName | null;
  default_environment: EnvironmentName | null;
  source: AccountSource;
  oidc_subject: string | null;
  break_glass: number;
}

function toAccount(row: AccountRow): StoredAccount {
  return {
    name: row.name,
    role: row.role,
    environments: row.environments === null ? null : (JSON.parse(row.environments) as EnvironmentName[]),
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    lastEnvironment: row.last_environment,
    defaultEnvironment: row.default_environment,
    source: row.source,
    oidcSubject: row.oidc_subject,
    breakGlass: row.break_glass === 1,
  };
}

/** better-sqlite3 answers at once: its result, or its error, as the interface's promise. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Accounts, sessions, login failures and the audit trail, in one SQLite file (WAL, synchronous
 * FULL: an acknowledged audit entry survives a crash). `npm run user` opens it beside a running
 * server, hence busy_timeout. better-sqlite3 is synchronous: each method runs whole before any
 * other code of this process, and a write that checks first is one IMMEDIATE transaction.
 */
export class SqliteAccessStore implements AccessStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #cpfKey: Buffer;
  /** The key of the names login_failures keeps (loginNameHash). */
  readonly #loginNameKey: Buffer;
  /** Where the keys generated for this console are kept (DATA_DIR). */
  readonly #keysDir: string;
  /** Made at the first bulk(): only the server's process takes over the jobs' leases, never `npm run user` beside it. */
  #bulk: SqliteBulkStore | undefined;

  constructor(file: string, cpfKey: Buffer, keysDir: string = dirname(file)) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < MIGRATIONS.length; index += 1) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[index] ?? '');
        this.#db.pragma(`user_version = ${String(index + 1)}`);
      })();
    }
    this.#cpfKey = cpfKey;
    this.#loginNameKey = loginNameKey(cpfKey);
    this.#keysDir = keysDir;
  }

  ready(): Promise<void> {
    return settle(() => {
      const version = this.#db.pragma('user_version', { simple: true }) as number;
      if (version < MIGRATIONS.length) {
        throw new Error(`console.sqlite is at migration ${String(version)}; this code needs ${String(MIGRATIONS.length)}`);
      }
      this.#db.prepare('SELECT 1 FROM accounts LIMIT 1').get();
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.#db.open) this.#db.close();
    });
  }

  secret(name: SharedSecretName): Promise<string> {
    return settle(() =>
      name === 'session'
        ? secretFile(join(this.#keysDir, 'session.key')).toString('base64url')
        : textKeyFile(emulatorKeyFile(this.#keysDir)),
    );
  }

  rateLimitStore(): undefined {
    return undefined;
  }

  bulk(): BulkStore {
    // The same connection: a row's outcome and its audit entry commit in one transaction.
    this.#bulk ??= new SqliteBulkStore(this.#db, (entry) => {
      this.#appendAudit(entry);
    });
    return this.#bulk;
  }

  // Accounts

  #countAccounts(): number {
    return this.#db.prepare<[], number>('SELECT count(*) FROM accounts').pluck().get() ?? 0;
  }

  countAccounts(): Promise<number> {
    return settle(() => this.#countAccounts());
  }

  #findAccount(name: string): StoredAccount | undefined {
    const row = this.#db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?').get(name);
    return row === undefined ? undefined : toAccount(row);
  }

  findAccount(name: string): Promise<StoredAccount | undefined> {
    return settle(() => this.#findAccount(name));
  }

  listAccounts(): Promise<StoredAccount[]> {
    return settle(() => this.#db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name').all().map(toAccount));
  }

  /**
   * Writes happen in one IMMEDIATE transaction: the write lock is taken before anything is read, so
   * a check and the change it allows cannot be split by another write (of this process, or of
   * `npm run user` beside it).
   */
  #immediate<T>(body: () => T): Promise<T> {
    return settle(() => this.#db.transaction(body).immediate());
  }

  /** Whether `actor` is, at this instant, an enabled admin (read inside the write's transaction). */
  #isEnabledAdmin(actor: string): boolean {
    const row = this.#db
      .prepare<[string], { role: Role; disabled: number }>('SELECT role, disabled FROM accounts WHERE name = ?')
      .get(actor);
    return row?.role === 'admin' && row.disabled === 0;
  }

  #enabledAdmins(): number {
    return this.#db.prepare<[], number>("SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0").pluck().get() ?? 0;
  }

  #insertAccount(account: Account, passwordHash: string): boolean {
    const result = this.#db
      .prepare('INSERT INTO accounts (name, password_hash, role, environments, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(
        account.name,
        passwordHash,
        account.role,
        account.environments === null ? null : JSON.stringify(account.environments),
        new Date().toISOString(),
      );
    return result.changes === 1;
  }

  createAccount(account: Account, passwordHash: string, actor?: string): Promise<'created' | 'exists' | 'actor_not_admin'> {
    return this.#immediate(() => {
      if (actor !== undefined && !this.#isEnabledAdmin(actor)) return 'actor_not_admin';
      return this.#insertAccount(account, passwordHash) ? 'created' : 'exists';
    });
  }

  updateAccount(
    name: string,
    change: AccountChange,
    { actor, keepSession }: { actor?: string; keepSession?: string } = {},
  ): Promise<AccountUpdate> {
    return this.#immediate(() => {
      if (actor !== undefined && !this.#isEnabledAdmin(actor)) return 'actor_not_admin';
      const current = this.#findAccount(name);
      if (current === undefined) return 'not_found';
      const role = change.role ?? current.role;
      const disabled = change.disabled ?? current.disabled;
      const breakGlass = change.breakGlass ?? current.breakGlass;
      const wasEnabledAdmin = current.role === 'admin' && !current.disabled;
      if (wasEnabledAdmin && (role !== 'admin' || disabled) && this.#enabledAdmins() <= 1) return 'last_admin';
      if (
        isBreakGlassAdmin(current) &&
        !isBreakGlassAdmin({ role, disabled, breakGlass }) &&
        this.#localLogin() === 'break_glass' &&
        this.#breakGlassAdmins() <= 1
      ) {
        return 'last_break_glass';
      }
      const environments = change.environments === undefined ? current.environments : change.environments;
      const allowed = (environment: EnvironmentName | null) =>
        environment !== null && mayUse({ name, role, environments }, environment) ? environment : null;
      if (change.defaultEnvironment !== undefined && change.defaultEnvironment !== allowed(change.defaultEnvironment)) {
        return 'default_not_allowed';
      }
      this.#db
        .prepare(
          `UPDATE accounts SET role = ?, environments = ?, disabled = ?, password_hash = ?, default_environment = ?, last_environment = ?,
                               break_glass = ?
           WHERE name = ?`,
        )
        .run(
          role,
          environments === null ? null : JSON.stringify(environments),
          disabled ? 1 : 0,
          change.passwordHash ?? current.passwordHash,
          // An environment the account may no longer use is forgotten with the change that took it away.
          allowed(change.defaultEnvironment === undefined ? current.defaultEnvironment : change.defaultEnvironment),
          allowed(current.lastEnvironment),
          breakGlass ? 1 : 0,
          name,
        );
      if (endsSessions(change)) this.#endSessionsOf(name, keepSession);
      return 'updated';
    });
  }

  #breakGlassAdmins(): number {
    return (
      this.#db
        .prepare<[], number>("SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0 AND break_glass = 1")
        .pluck()
        .get() ?? 0
    );
  }

  syncProviderAccount(identity: ProviderIdentity): Promise<ProviderSync> {
    return this.#immediate((): ProviderSync => {
      const row = this.#db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE oidc_subject = ?').get(identity.subject);
      if (row === undefined) {
        const inserted = this.#db
          .prepare(
            `INSERT INTO accounts (name, password_hash, role, environments, created_at, source, oidc_subject)
             VALUES (?, ?, ?, ?, ?, 'oidc', ?) ON CONFLICT DO NOTHING`,
          )
          .run(
            identity.name,
            PROVIDER_ACCOUNT_HASH,
            identity.role,
            identity.environments === null ? null : JSON.stringify(identity.environments),
            new Date().toISOString(),
            identity.subject,
          );
        const account = this.#findAccount(identity.name);
        return inserted.changes === 1 && account !== undefined ? { outcome: 'created', account } : { outcome: 'name_taken' };
      }
      const current = toAccount(row);
      if (sameRights(current, identity)) return { outcome: 'unchanged', account: current };
      const wasEnabledAdmin = current.role === 'admin' && !current.disabled;
      if (wasEnabledAdmin && identity.role !== 'admin' && this.#enabledAdmins() <= 1) return { outcome: 'last_admin' };
      const rights = { name: current.name, role: identity.role, environments: identity.environments };
      const allowed = (environment: EnvironmentName | null) => (environment !== null && mayUse(rights, environment) ? environment : null);
      this.#db
        .prepare('UPDATE accounts SET role = ?, environments = ?, default_environment = ?, last_environment = ? WHERE name = ?')
        .run(
          identity.role,
          identity.environments === null ? null : JSON.stringify(identity.environments),
          allowed(current.defaultEnvironment),
          allowed(current.lastEnvironment),
          current.name,
        );
      // What the account may do changed: its sessions opened with the old rights end.
      this.#endSessionsOf(current.name);
      const account = this.#findAccount(current.name) ?? current;
      return { outcome: 'updated', account, previous: { name: current.name, role: current.role, environments: current.environments } };
    });
  }

  // Sign-in settings

  #setting(name: string): string | undefined {
    return this.#db.prepare<[string], string>('SELECT value FROM settings WHERE name = ?').pluck().get(name);
  }

  #writeSetting(name: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO settings (name, value, changed_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at',
      )
      .run(name, value, new Date().toISOString());
  }

  #localLogin(): LocalLogin {
    return this.#setting('local_login') === 'break_glass' ? 'break_glass' : 'everyone';
  }

  localLogin(): Promise<LocalLogin> {
    return settle(() => this.#localLogin());
  }

  setLocalLogin(value: LocalLogin, actor: string): Promise<'changed' | 'unchanged' | 'actor_not_admin' | 'no_break_glass_admin'> {
    return this.#immediate(() => {
      if (!this.#isEnabledAdmin(actor)) return 'actor_not_admin';
      if (this.#localLogin() === value) return 'unchanged';
      if (value === 'break_glass' && this.#breakGlassAdmins() === 0) return 'no_break_glass_admin';
      this.#writeSetting('local_login', value);
      return 'changed';
    });
  }

  recordRoleMap(text: string): Promise<boolean> {
    return this.#immediate(() => {
      if (this.#setting('oidc_role_map') === text) return false;
      this.#writeSetting('oidc_role_map', text);
      return true;
    });
  }

  recordEnvironmentChoice(name: string, environment: EnvironmentName): Promise<void> {
    return settle(() => {
      this.#db.prepare('UPDATE accounts SET last_environment = ? WHERE name = ?').run(environment, name);
    });
  }

  recordLogin(name: string): Promise<void> {
    return settle(() => {
      this.#db.prepare('UPDATE accounts SET last_login_at = ? WHERE name = ?').run(new Date().toISOString(), name);
    });
  }

  // The first admin's setup

  openSetup(tokenHash: string): Promise<boolean> {
    return this.#immediate(() => {
      if (this.#countAccounts() > 0) return false;
      this.#db.prepare('INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)').run(tokenHash, new Date().toISOString());
      return true;
    });
  }

  #setupTokenKept(tokenHash: string): boolean {
    return this.#db.prepare('SELECT 1 FROM setup_tokens WHERE token_hash = ?').get(tokenHash) !== undefined;
  }

  setupTokenValid(tokenHash: string): Promise<boolean> {
    return settle(() => this.#countAccounts() === 0 && this.#setupTokenKept(tokenHash));
  }

  createFirstAdmin(account: Account, passwordHash: string, tokenHash: string): Promise<'created' | 'not_available' | 'invalid_token'> {
    return this.#immediate(() => {
      if (this.#countAccounts() > 0) return 'not_available';
      if (!this.#setupTokenKept(tokenHash)) return 'invalid_token';
      if (!this.#insertAccount({ ...account, role: 'admin' }, passwordHash)) return 'not_available';
      this.#db.prepare('DELETE FROM setup_tokens').run();
      return 'created';
    });
  }

  // Sessions (the store of @fastify/session)

  getSession(id: string, now = Date.now()): Promise<unknown> {
    return settle(() => {
      const row = this.#db
        .prepare<[string], { data: string; expires_at: number }>('SELECT data, expires_at FROM sessions WHERE id = ?')
        .get(id);
      if (row === undefined) return null;
      if (row.expires_at <= now) {
        this.#db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
        return null;
      }
      return JSON.parse(row.data) as unknown;
    });
  }

  sessionAccount(sessionId: string, name: string): Promise<StoredAccount | undefined> {
    return settle(() => {
      const row = this.#db
        .prepare<[string, string], AccountRow>('SELECT a.* FROM accounts a JOIN sessions s ON s.id = ? WHERE a.name = ?')
        .get(sessionId, name);
      return row === undefined ? undefined : toAccount(row);
    });
  }

  createSession(id: string, data: unknown, expiresAt: number, account: { name: string; passwordHash: string }): Promise<boolean> {
    return this.#immediate(() => {
      const row = this.#db
        .prepare<[string], { password_hash: string; disabled: number }>('SELECT password_hash, disabled FROM accounts WHERE name = ?')
        .get(account.name);
      if (row === undefined || row.disabled === 1 || row.password_hash !== account.passwordHash) return false;
      this.#db.prepare('INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?)').run(id, JSON.stringify(data), expiresAt);
      return true;
    });
  }

  setSession(id: string, data: unknown, expiresAt: number): Promise<void> {
    return settle(() => {
      this.#db.prepare('UPDATE sessions SET data = ?, expires_at = ? WHERE id = ?').run(JSON.stringify(data), expiresAt, id);
    });
  }

  destroySession(id: string): Promise<void> {
    return settle(() => {
      this.#db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    });
  }

  #endSessionsOf(name: string, except?: string): void {
    this.#db.prepare("DELETE FROM sessions WHERE json_extract(data, '$.account') = ? AND id IS NOT ?").run(name, except ?? null);
  }

  endSessionsOf(name: string, except?: string): Promise<void> {
    return settle(() => {
      this.#endSessionsOf(name, except);
    });
  }

  pruneSessions(now = Date.now()): Promise<void> {
    return settle(() => {
      this.#db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
    });
  }

  // Login failures

  #recordLoginFailure(account: string, address: string, now: number): void {
    this.#db
      .prepare('INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)')
      .run(loginNameHash(this.#loginNameKey, account), address, now);
  }

  recordLoginFailure(account: string, address: string, now = Date.now()): Promise<void> {
    return settle(() => {
      this.#recordLoginFailure(account, address, now);
    });
  }

  #loginFailures(column: 'account' | 'address', value: string, since: number): LoginFailures {
    const row = this.#db
      .prepare<[string, number], LoginFailures>(
        `SELECT count(*) AS count, min(at) AS oldest, max(at) AS newest FROM login_failures WHERE ${column} = ? AND at > ?`,
      )
      .get(column === 'account' ? loginNameHash(this.#loginNameKey, value) : value, since);
    return row ?? { count: 0, oldest: null, newest: null };
  }

  loginFailures(column: 'account' | 'address', value: string, since: number): Promise<LoginFailures> {
    return settle(() => this.#loginFailures(column, value, since));
  }

  beginLoginAttempt<R>(
    account: string,
    address: string,
    now: number,
    since: number,
    decide: (counts: LoginAttemptCounts) => R | undefined,
  ): Promise<R | undefined> {
    return this.#immediate(() => {
      const refusal = decide({
        byAddress: this.#loginFailures('address', address, since),
        byAccount: this.#loginFailures('account', account, since),
      });
      if (refusal === undefined) this.#recordLoginFailure(account, address, now);
      return refusal;
    });
  }

  pruneLoginFailures(before: number): Promise<void> {
    return settle(() => {
      this.#db.prepare('DELETE FROM login_failures WHERE at <= ?').run(before);
    });
  }

  clearLoginFailures(account: string): Promise<void> {
    return settle(() => {
      this.#db.prepare('DELETE FROM login_failures WHERE account = ?').run(loginNameHash(this.#loginNameKey, account));
    });
  }

  // Audit trail

  #appendAudit(entry: NewAuditEntry): void {
    const cpf = entry.cpf ?? null;
    this.#db
      .prepare(
        `INSERT INTO audit (at, actor, action, environment, cpf_masked, cpf_hash, registration_key, outcome, status, consent_term, address,
                          face_check_override, bulk_job)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        entry.actor,
        entry.action,
        entry.environment ?? null,
        cpf === null ? null : hideCpf(cpf),
        cpf === null ? null : cpfHash(this.#cpfKey, cpf),
        entry.registrationKey ?? null,
        entry.outcome,
        entry.status,
        entry.consentTerm ?? null,
        entry.address ?? null,
        entry.faceCheckOverride ?? null,
        entry.bulkJob ?? null,
      );
  }

  appendAudit(entry: NewAuditEntry): Promise<void> {
    return settle(() => {
      this.#appendAudit(entry);
    });
  }

  auditCpfHash(cpf: string): string | null {
    return cpfHash(this.#cpfKey, cpf);
  }

  /**
   * One page of the selection, newest first: after the entry `after` (by time, then id) when given,
   * else from the newest (or from `before`, the id of an entry).
   */
  #auditPage(selection: AuditSelection, limit: number, after?: { at: string; id: number }): AuditEntry[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (selection.from !== undefined) {
      where.push('at >= ?');
      values.push(selection.from);
    }
    if (selection.to !== undefined) {
      where.push('at < ?');
      values.push(selection.to);
    }
    if (selection.user !== undefined) {
      where.push('actor = ?');
      values.push(selection.user);
    }
    if (selection.cpf !== undefined) {
      where.push('cpf_hash = ?');
      values.push(cpfHash(this.#cpfKey, selection.cpf) ?? '');
    }
    if (selection.cpfHash !== undefined) {
      where.push('cpf_hash = ?');
      values.push(selection.cpfHash);
    }
    if (selection.action !== undefined) {
      where.push('action = ?');
      values.push(selection.action);
    }
    if (selection.environment !== undefined) {
      where.push('environment = ?');
      values.push(selection.environment);
    }
    if (selection.before !== undefined) {
      // Older than the entry named: by time, then id, as the trail is ordered.
      where.push('(at, id) < (SELECT at, id FROM audit WHERE id = ?)');
      values.push(selection.before);
    }
    if (after !== undefined) {
      where.push('(at, id) < (?, ?)');
      values.push(after.at, after.id);
    }
    const sql = `SELECT id, at, actor, action, environment, cpf_masked, registration_key, outcome, status, consent_term, address,
                        face_check_override, bulk_job
                 FROM audit ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY at DESC, id DESC LIMIT ?`;
    return this.#db.prepare<(string | number)[], AuditEntry>(sql).all(...values, limit);
  }

  queryAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return settle(() => this.#auditPage(filter, filter.limit));
  }

  async *auditPages(selection: AuditSelection, pageSize: number): AsyncGenerator<AuditEntry[], void, undefined> {
    // Each page is one short read of its own (not an open statement iterated across pages: the
    // connection would be busy for every other request until the export ends).
    let after: { at: string; id: number } | undefined;
    for (;;) {
      const page = await settle(() => this.#auditPage(selection, pageSize, after));
      if (page.length > 0) yield page;
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined) return;
      after = { at: last.at, id: last.id };
    }
  }

  async pruneAudit(retentionDays: number, { batchSize = AUDIT_PRUNE_BATCH, signal }: AuditPruneOptions = {}): Promise<AuditPruneResult> {
    // The trail's times are this machine's clock (appendAudit), as is the trigger's 'now'.
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000).toISOString();
    const batch = this.#db.transaction((): number => {
      this.#db.prepare('INSERT OR REPLACE INTO audit_prune (id, before) VALUES (1, ?)').run(cutoff);
      const { changes } = this.#db
        .prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at, id LIMIT ?)')
        .run(cutoff, batchSize);
      this.#db.prepare('DELETE FROM audit_prune').run();
      if (changes > 0) this.#appendAudit(auditPrunedEntry(changes, cutoff));
      return changes;
    });
    const result: AuditPruneResult = { deleted: 0, cutoff, batches: 0 };
    while (signal?.aborted !== true) {
      const deleted = batch.immediate();
      if (deleted > 0) {
        result.deleted += deleted;
        result.batches += 1;
      }
      if (deleted < batchSize) break;
      // The event loop between batches: requests go on while a long backlog is deleted.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return result;
  }

  registrationOrigin(environment: EnvironmentName, registrationKey: string): Promise<RegistrationOriginRow | undefined> {
    return settle(() =>
      this.#db
        .prepare<[EnvironmentName, string], RegistrationOriginRow>(
          `SELECT at, actor FROM audit
           WHERE action = 'register' AND outcome = 'ok' AND environment = ? AND lower(registration_key) = ?
           ORDER BY at, id LIMIT 1`,
        )
        .get(environment, registrationKey.toLowerCase()),
    );
  }
}
