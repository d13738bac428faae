import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { mayUse } from '../../contract/access.ts';
import type { Account, AuditAction, AuditEntry, Role } from '../../contract/access.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { cpfSchema, hideCpf } from '../../contract/cpf.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';

/** The console's own database (accounts, sessions, login failures, audit), beside the emulator's. */
export function accessDatabaseFile(dataDir: string): string {
  return join(dataDir, 'console.sqlite');
}

/**
 * A secret kept in a file of its own (mode 0600), made on first use: the cookie signing key and
 * the key of the CPF hashes in the audit trail. Apart from the database, so a copy of the database
 * alone reveals neither.
 */
export function secretFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    mkdirSync(dirname(path), { recursive: true });
    const secret = randomBytes(32);
    try {
      writeFileSync(path, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process made it first.
      return readFileSync(path);
    }
  }
}

const MIGRATIONS = [
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
];

export interface StoredAccount extends Account {
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  lastEnvironment: EnvironmentName | null;
  defaultEnvironment: EnvironmentName | null;
}

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
  };
}

export interface NewAuditEntry {
  actor: string | null;
  action: AuditAction;
  environment?: EnvironmentName | null;
  /** The whole CPF: stored masked, plus a keyed hash to find it again; never as it is. */
  cpf?: string | null;
  registrationKey?: string | null;
  outcome: string;
  status: number;
  consentTerm?: string | null;
  address?: string | null;
  /** The status of the console's face check that refused the picture sent anyway. */
  faceCheckOverride?: FaceStatus | null;
}

export interface AuditFilter {
  from?: string | undefined;
  to?: string | undefined;
  user?: string | undefined;
  cpf?: string | undefined;
  action?: AuditAction | undefined;
  environment?: EnvironmentName | undefined;
  before?: number | undefined;
  limit: number;
}

/**
 * Accounts, sessions, login failures and the audit trail, in one SQLite file (WAL, synchronous
 * FULL: an acknowledged audit entry survives a crash). `npm run user` opens it beside a running
 * server, hence busy_timeout.
 */
export class AccessStore {
  readonly db: Database.Database;
  readonly #cpfKey: Buffer;

  constructor(file: string, cpfKey: Buffer) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < MIGRATIONS.length; index += 1) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[index] ?? '');
        this.db.pragma(`user_version = ${String(index + 1)}`);
      })();
    }
    this.#cpfKey = cpfKey;
  }

  close(): void {
    this.db.close();
  }

  // Accounts

  countAccounts(): number {
    return this.db.prepare<[], number>('SELECT count(*) FROM accounts').pluck().get() ?? 0;
  }

  findAccount(name: string): StoredAccount | undefined {
    const row = this.db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?').get(name);
    return row === undefined ? undefined : toAccount(row);
  }

  listAccounts(): StoredAccount[] {
    return this.db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name').all().map(toAccount);
  }

  /**
   * Writes happen in one IMMEDIATE transaction: the write lock is taken before anything is read, so
   * a check and the change it allows cannot be split by another write (of this process, or of
   * `npm run user` beside it).
   */
  #immediate<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }

  /** Whether `actor` is, at this instant, an enabled admin (read inside the write's transaction). */
  #isEnabledAdmin(actor: string): boolean {
    const row = this.db
      .prepare<[string], { role: Role; disabled: number }>('SELECT role, disabled FROM accounts WHERE name = ?')
      .get(actor);
    return row?.role === 'admin' && row.disabled === 0;
  }

  #enabledAdmins(): number {
    return this.db.prepare<[], number>("SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0").pluck().get() ?? 0;
  }

  #insertAccount(account: Account, passwordHash: string): boolean {
    const result = this.db
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

  /**
   * `exists` when the name is taken; `actor_not_admin` when `actor` (an admin acting through the
   * console) is no longer an enabled admin when the account would be written. Hash the password
   * before: the check and the write are one transaction, which must not wait for scrypt.
   */
  createAccount(account: Account, passwordHash: string, actor?: string): 'created' | 'exists' | 'actor_not_admin' {
    return this.#immediate(() => {
      if (actor !== undefined && !this.#isEnabledAdmin(actor)) return 'actor_not_admin';
      return this.#insertAccount(account, passwordHash) ? 'created' : 'exists';
    });
  }

  /** The first admin, only while the console has no account at all (one of concurrent setups wins). */
  createFirstAdmin(account: Account, passwordHash: string): boolean {
    return this.#immediate(() => this.countAccounts() === 0 && this.#insertAccount({ ...account, role: 'admin' }, passwordHash));
  }

  /**
   * Changes an account, and ends its open sessions when what it may do changed (`keepSession`: the
   * session of an admin changing their own account, which goes on). In one transaction:
   * `actor_not_admin` when `actor` is no longer an enabled admin; `last_admin` when the change would
   * leave no enabled admin (whatever the interleaving of concurrent changes); nothing is written then.
   */
  updateAccount(
    name: string,
    change: {
      role?: Role;
      environments?: EnvironmentName[] | null;
      disabled?: boolean;
      passwordHash?: string;
      defaultEnvironment?: EnvironmentName | null;
    },
    { actor, keepSession }: { actor?: string; keepSession?: string } = {},
  ): 'updated' | 'not_found' | 'actor_not_admin' | 'last_admin' | 'default_not_allowed' {
    return this.#immediate(() => {
      if (actor !== undefined && !this.#isEnabledAdmin(actor)) return 'actor_not_admin';
      const current = this.findAccount(name);
      if (current === undefined) return 'not_found';
      const role = change.role ?? current.role;
      const disabled = change.disabled ?? current.disabled;
      const wasEnabledAdmin = current.role === 'admin' && !current.disabled;
      if (wasEnabledAdmin && (role !== 'admin' || disabled) && this.#enabledAdmins() <= 1) return 'last_admin';
      const environments = change.environments === undefined ? current.environments : change.environments;
      const allowed = (environment: EnvironmentName | null) =>
        environment !== null && mayUse({ name, role, environments }, environment) ? environment : null;
      if (change.defaultEnvironment !== undefined && change.defaultEnvironment !== allowed(change.defaultEnvironment)) {
        return 'default_not_allowed';
      }
      this.db
        .prepare(
          `UPDATE accounts SET role = ?, environments = ?, disabled = ?, password_hash = ?, default_environment = ?, last_environment = ?
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
          name,
        );
      if (change.disabled === true || change.passwordHash !== undefined || change.role !== undefined || change.environments !== undefined) {
        // What the account could do has changed: its open sessions end, and it logs in again.
        this.endSessionsOf(name, keepSession);
      }
      return 'updated';
    });
  }

  /** The environment the account chose last: where the console opens next when the address names none. */
  recordEnvironmentChoice(name: string, environment: EnvironmentName): void {
    this.db.prepare('UPDATE accounts SET last_environment = ? WHERE name = ?').run(environment, name);
  }

  recordLogin(name: string): void {
    this.db.prepare('UPDATE accounts SET last_login_at = ? WHERE name = ?').run(new Date().toISOString(), name);
  }

  // Sessions (the store of @fastify/session)

  getSession(id: string, now = Date.now()): unknown {
    const row = this.db
      .prepare<[string], { data: string; expires_at: number }>('SELECT data, expires_at FROM sessions WHERE id = ?')
      .get(id);
    if (row === undefined) return null;
    if (row.expires_at <= now) {
      this.destroySession(id);
      return null;
    }
    return JSON.parse(row.data) as unknown;
  }

  /**
   * A session's row is made only here, at login, and only while the account is as it was when its
   * password was checked (not disabled, same password): a reset or a disable that lands during the
   * login wins. False: not made.
   */
  createSession(id: string, data: unknown, expiresAt: number, account: { name: string; passwordHash: string }): boolean {
    return this.#immediate(() => {
      const row = this.db
        .prepare<[string], { password_hash: string; disabled: number }>('SELECT password_hash, disabled FROM accounts WHERE name = ?')
        .get(account.name);
      if (row === undefined || row.disabled === 1 || row.password_hash !== account.passwordHash) return false;
      this.db.prepare('INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?)').run(id, JSON.stringify(data), expiresAt);
      return true;
    });
  }

  /**
   * Saves a session that exists: never makes one. A request still in flight when its session ended
   * (logout, password reset, disabling, expiry) saves it again as it leaves (@fastify/session's
   * rolling save in onSend); the ended session must stay ended.
   */
  setSession(id: string, data: unknown, expiresAt: number): void {
    this.db.prepare('UPDATE sessions SET data = ?, expires_at = ? WHERE id = ?').run(JSON.stringify(data), expiresAt, id);
  }

  destroySession(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  /** Ends every session of an account, but `except` (the one making the change, when it is their own). */
  endSessionsOf(name: string, except?: string): void {
    this.db.prepare("DELETE FROM sessions WHERE json_extract(data, '$.account') = ? AND id IS NOT ?").run(name, except ?? null);
  }

  pruneSessions(now = Date.now()): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  }

  // Login failures (and attempts being checked, which count as failures until the password is right)

  /** Records a failed (or not yet checked) login. */
  recordLoginFailure(account: string, address: string, now = Date.now()): void {
    this.db.prepare('INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)').run(account, address, now);
  }

  /** The failures since `since`: their count, when the oldest and the newest happened. */
  loginFailures(
    column: 'account' | 'address',
    value: string,
    since: number,
  ): { count: number; oldest: number | null; newest: number | null } {
    const row = this.db
      .prepare<[string, number], { count: number; oldest: number | null; newest: number | null }>(
        `SELECT count(*) AS count, min(at) AS oldest, max(at) AS newest FROM login_failures WHERE ${column} = ? AND at > ?`,
      )
      .get(value, since);
    return row ?? { count: 0, oldest: null, newest: null };
  }

  /**
   * Runs `decide` on the failures so far and, unless it refuses the attempt, records the attempt as
   * a failure in the same transaction: concurrent attempts each see those before them, so none
   * slips past the limit while the others are still being hashed. `decide`'s refusal, or undefined.
   */
  beginLoginAttempt<R>(account: string, address: string, now: number, decide: () => R | undefined): R | undefined {
    return this.#immediate(() => {
      const refusal = decide();
      if (refusal === undefined) this.recordLoginFailure(account, address, now);
      return refusal;
    });
  }

  /** Failures older than the throttling window count for nothing any more. */
  pruneLoginFailures(before: number): void {
    this.db.prepare('DELETE FROM login_failures WHERE at <= ?').run(before);
  }

  clearLoginFailures(account: string): void {
    this.db.prepare('DELETE FROM login_failures WHERE account = ?').run(account);
  }

  // Audit trail

  #cpfHash(cpf: string): string | null {
    const parsed = cpfSchema.safeParse(cpf);
    return parsed.success ? createHmac('sha256', this.#cpfKey).update(parsed.data.replace(/\D/g, '')).digest('base64url') : null;
  }

  appendAudit(entry: NewAuditEntry): void {
    const cpf = entry.cpf ?? null;
    this.db
      .prepare(
        `INSERT INTO audit (at, actor, action, environment, cpf_masked, cpf_hash, registration_key, outcome, status, consent_term, address,
                            face_check_override)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        entry.actor,
        entry.action,
        entry.environment ?? null,
        cpf === null ? null : hideCpf(cpf),
        cpf === null ? null : this.#cpfHash(cpf),
        entry.registrationKey ?? null,
        entry.outcome,
        entry.status,
        entry.consentTerm ?? null,
        entry.address ?? null,
        entry.faceCheckOverride ?? null,
      );
  }

  queryAudit(filter: AuditFilter): AuditEntry[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (filter.from !== undefined) {
      where.push('at >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('at < ?');
      values.push(filter.to);
    }
    if (filter.user !== undefined) {
      where.push('actor = ?');
      values.push(filter.user);
    }
    if (filter.cpf !== undefined) {
      where.push('cpf_hash = ?');
      values.push(this.#cpfHash(filter.cpf) ?? '');
    }
    if (filter.action !== undefined) {
      where.push('action = ?');
      values.push(filter.action);
    }
    if (filter.environment !== undefined) {
      where.push('environment = ?');
      values.push(filter.environment);
    }
    if (filter.before !== undefined) {
      where.push('id < ?');
      values.push(filter.before);
    }
    const sql = `SELECT id, at, actor, action, environment, cpf_masked, registration_key, outcome, status, consent_term, address,
                        face_check_override
                 FROM audit ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare<(string | number)[], AuditEntry>(sql).all(...values, filter.limit);
  }
}

/** The store of a data folder, with its CPF key beside it. */
export function openAccessStore(dataDir: string): AccessStore {
  return new AccessStore(accessDatabaseFile(dataDir), secretFile(join(dataDir, 'audit-cpf.key')));
}
