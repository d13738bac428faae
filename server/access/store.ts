import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Account, AuditAction, AuditEntry, Role } from '../../contract/access.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { cpfSchema } from '../../contract/cpf.ts';
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
];

export interface StoredAccount extends Account {
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

interface AccountRow {
  name: string;
  password_hash: string;
  role: Role;
  environments: string | null;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
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
  };
}

/** `***.456.789-**`: the middle six digits, as Brazil's LGPD guidance masks a CPF. */
export function maskCpfForAudit(cpf: string): string | null {
  const parsed = cpfSchema.safeParse(cpf);
  if (!parsed.success) return null;
  const digits = parsed.data.replace(/\D/g, '');
  return `***.${digits.slice(3, 6)}.${digits.slice(6, 9)}-**`;
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

  /** False when the name is taken. */
  createAccount(account: Account, passwordHash: string): boolean {
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

  updateAccount(
    name: string,
    change: { role?: Role; environments?: EnvironmentName[] | null; disabled?: boolean; passwordHash?: string },
  ): boolean {
    const current = this.findAccount(name);
    if (current === undefined) return false;
    const environments = change.environments === undefined ? current.environments : change.environments;
    this.db
      .prepare('UPDATE accounts SET role = ?, environments = ?, disabled = ?, password_hash = ? WHERE name = ?')
      .run(
        change.role ?? current.role,
        environments === null ? null : JSON.stringify(environments),
        (change.disabled ?? current.disabled) ? 1 : 0,
        change.passwordHash ?? current.passwordHash,
        name,
      );
    if (change.disabled === true || change.passwordHash !== undefined || change.role !== undefined || change.environments !== undefined) {
      // What the account could do has changed: its open sessions end, and it logs in again (an
      // admin changing their own account keeps the session they are using: it is saved again).
      this.endSessionsOf(name);
    }
    return true;
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

  setSession(id: string, data: unknown, expiresAt: number): void {
    this.db
      .prepare(
        'INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
      )
      .run(id, JSON.stringify(data), expiresAt);
  }

  destroySession(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  endSessionsOf(name: string): void {
    this.db.prepare("DELETE FROM sessions WHERE json_extract(data, '$.account') = ?").run(name);
  }

  pruneSessions(now = Date.now()): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  }

  // Login failures

  recordLoginFailure(account: string, address: string, now = Date.now()): void {
    this.db.prepare('INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)').run(account, address, now);
  }

  /** The failures since `since`, oldest first: their count and when the oldest happened. */
  loginFailures(column: 'account' | 'address', value: string, since: number): { count: number; oldest: number | null } {
    const row = this.db
      .prepare<[string, number], { count: number; oldest: number | null }>(
        `SELECT count(*) AS count, min(at) AS oldest FROM login_failures WHERE ${column} = ? AND at > ?`,
      )
      .get(value, since);
    return row ?? { count: 0, oldest: null };
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
        cpf === null ? null : maskCpfForAudit(cpf),
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
