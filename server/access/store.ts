import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Account, Role } from '../../contract/access.ts';
import type { AuditAction, AuditEntry } from '../../contract/access-admin.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { cpfSchema } from '../../contract/cpf.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';
import type { BulkStore } from '../bulk/store.ts';

/*
 * The console's own data: accounts, sessions, login failures, the first admin's setup tokens and
 * the append-only audit trail. One interface, two databases: SQLite in DATA_DIR (one instance, no
 * configuration) and PostgreSQL (DATABASE_URL: several instances share it). Decision 005 says what
 * is kept, decision 010 how it is shared.
 */

/** The console's own SQLite database (accounts, sessions, login failures, audit), beside the emulator's. */
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

/** Where an account comes from: made in the console (a password), or by the identity provider (single sign-on). */
export type AccountSource = 'local' | 'oidc';

export interface StoredAccount extends Account {
  passwordHash: string;
  disabled: boolean;
  source: AccountSource;
  /**
   * An account of the provider: its issuer and subject (`<issuer> <sub>`), which find it again at
   * every login whatever its name there has become; null for a local account.
   */
  oidcSubject: string | null;
  /** A local account that may log in with its password even while local login is off for everyone else. */
  breakGlass: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  lastEnvironment: EnvironmentName | null;
  defaultEnvironment: EnvironmentName | null;
}

export interface AccountChange {
  role?: Role;
  environments?: EnvironmentName[] | null;
  disabled?: boolean;
  passwordHash?: string;
  defaultEnvironment?: EnvironmentName | null;
  breakGlass?: boolean;
}

/**
 * `last_break_glass`: local login is for break-glass accounts only, and the change would leave no
 * enabled break-glass administrator (nobody could log in while the provider is down).
 */
export type AccountUpdate = 'updated' | 'not_found' | 'actor_not_admin' | 'last_admin' | 'last_break_glass' | 'default_not_allowed';

/** The password hash kept for an account of the provider: no password matches it (not even a scrypt hash). */
export const PROVIDER_ACCOUNT_HASH = '!oidc';

/** A person as the provider vouched for them at a login, with the role their groups map to. */
export interface ProviderIdentity {
  /** `<issuer> <sub>` */
  subject: string;
  /** The name a new account gets (an existing one keeps its own). */
  name: string;
  role: Role;
  environments: EnvironmentName[] | null;
}

/**
 * What a login through the provider did to the console's account: made it, changed its role or
 * environments to what the groups now say (its other sessions ended), or found it as it was.
 * `name_taken`: a local account (or another of the provider's people) already has the name;
 * `last_admin`: the groups would take the admin role from the last enabled admin.
 */
export type ProviderSync =
  | { outcome: 'created' | 'unchanged'; account: StoredAccount }
  | { outcome: 'updated'; account: StoredAccount; previous: Account }
  | { outcome: 'name_taken' | 'last_admin' };

/** Who may log in with a password: everyone, or (with single sign-on) only break-glass accounts. */
export type LocalLogin = 'everyone' | 'break_glass';

/** Whether two accounts may do the same (role and environments). */
export function sameRights(a: Account, b: Account): boolean {
  return a.role === b.role && JSON.stringify(a.environments) === JSON.stringify(b.environments);
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
  /** The bulk job (its id) this entry belongs to (decision 013). */
  bulkJob?: string | null;
}

export interface AuditFilter {
  from?: string | undefined;
  to?: string | undefined;
  user?: string | undefined;
  /** A whole CPF: its entries (found by its keyed hash). */
  cpf?: string | undefined;
  /** A CPF's keyed hash (auditCpfHash), as the API takes it so that no address holds the CPF. */
  cpfHash?: string | undefined;
  action?: AuditAction | undefined;
  environment?: EnvironmentName | undefined;
  /** The id of the last entry of the page before: the next page holds the entries older than it (by time, then id). */
  before?: number | undefined;
  limit: number;
}

/** What an export reads: a filter's selection, whatever its size (read in pages, never whole). */
export type AuditSelection = Omit<AuditFilter, 'limit'>;

/**
 * Entries one retention batch deletes at most: each batch is one short transaction (SQLite's write
 * lock, PostgreSQL's row locks and the retention lock are held for one batch only).
 */
export const AUDIT_PRUNE_BATCH = 10_000;

/** Who the trail names as the actor of the retention job's deletions (no account can be so named: no colon). */
export const RETENTION_ACTOR = 'system:retention';

/** One retention batch's entry: how many entries it deleted, all older than the cut-off (decision 011). */
export function auditPrunedEntry(deleted: number, cutoff: string): NewAuditEntry {
  return { actor: RETENTION_ACTOR, action: 'audit_pruned', outcome: `deleted:${String(deleted)} before:${cutoff}`, status: 0 };
}

/** What a retention run did: entries deleted (each batch recorded by its own `audit_pruned` entry), and its cut-off. */
export interface AuditPruneResult {
  deleted: number;
  /** ISO 8601, UTC, by the database's clock: the entries older than this were deleted. */
  cutoff: string;
  /** Batches committed (each with its `audit_pruned` entry). */
  batches: number;
}

export interface AuditPruneOptions {
  /** Entries a batch deletes at most (AUDIT_PRUNE_BATCH). */
  batchSize?: number;
  /** Checked between batches: aborted, the run stops after the batch in progress (the server is closing). */
  signal?: AbortSignal;
}

/** Failed (or not yet checked) logins within the throttling window. */
export interface LoginFailures {
  count: number;
  /** When the oldest and the newest happened (ms); null when there are none. */
  oldest: number | null;
  newest: number | null;
}

/** What the throttling decides a login attempt on: the recent failures of its address and of its account. */
export interface LoginAttemptCounts {
  byAddress: LoginFailures;
  byAccount: LoginFailures;
}

/** The date and account of a registration the console made (the earliest `register` entry with its key). */
export interface RegistrationOriginRow {
  at: string;
  actor: string | null;
}

/** The secrets every instance of one console must share (generated once when no setting gives them). */
export type SharedSecretName = 'session' | 'emulator';

/**
 * The console's data, the same on either database. Every method is asynchronous; each write whose
 * check must hold when it lands (the acting admin is still one, one admin remains, setup finds no
 * account, a login's account still has the password checked, a login attempt is within the
 * limits) is one transaction that takes the database's write lock first: SQLite's BEGIN
 * IMMEDIATE, PostgreSQL's advisory transaction locks.
 */
export interface AccessStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Throws unless the database answers and every migration this code knows is applied. */
  ready(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  /**
   * A secret made once and kept for every later start and every instance: SQLite, a file in
   * DATA_DIR (`session.key`, `emulator.key`); PostgreSQL, its table `secrets`.
   */
  secret(name: SharedSecretName): Promise<string>;
  /**
   * The @fastify/rate-limit store that counts each account's requests across instances
   * (PostgreSQL); undefined: the plugin's own, in this process's memory (SQLite, one instance).
   */
  rateLimitStore(): FastifyRateLimitStoreCtor | undefined;
  /**
   * Bulk registration's jobs, rows and photos (decision 013), on this store's database and
   * connection: a row's outcome and its audit entry are written in one transaction. One per store.
   */
  bulk(): BulkStore;

  // Accounts
  countAccounts(): Promise<number>;
  findAccount(name: string): Promise<StoredAccount | undefined>;
  listAccounts(): Promise<StoredAccount[]>;
  /**
   * `exists` when the name is taken; `actor_not_admin` when `actor` (an admin acting through the
   * console) is no longer an enabled admin when the account would be written. Hash the password
   * before: the check and the write are one transaction, which must not wait for scrypt.
   */
  createAccount(account: Account, passwordHash: string, actor?: string): Promise<'created' | 'exists' | 'actor_not_admin'>;
  /**
   * Changes an account, and ends its open sessions when what it may do changed (`keepSession`: the
   * session of an admin changing their own account, which goes on). In one transaction:
   * `actor_not_admin` when `actor` is no longer an enabled admin; `last_admin` when the change would
   * leave no enabled admin (whatever the interleaving of concurrent changes); nothing is written then.
   */
  updateAccount(name: string, change: AccountChange, options?: { actor?: string; keepSession?: string }): Promise<AccountUpdate>;
  /** The environment the account chose last: where the console opens next when the address names none. */
  recordEnvironmentChoice(name: string, environment: EnvironmentName): Promise<void>;
  recordLogin(name: string): Promise<void>;
  /**
   * A login through the provider: finds the account by its subject, or makes it (unless the name is
   * taken), and brings its role and environments to what the provider's groups say; one
   * transaction under the accounts' lock (the last-admin check holds as for an admin's change).
   */
  syncProviderAccount(identity: ProviderIdentity): Promise<ProviderSync>;

  // Sign-in settings kept in the database (every instance reads the same)
  localLogin(): Promise<LocalLogin>;
  /**
   * `no_break_glass_admin`: `break_glass` asked while no enabled admin is marked break-glass (nobody
   * could log in while the provider is down); `actor_not_admin` as for account changes.
   */
  setLocalLogin(value: LocalLogin, actor: string): Promise<'changed' | 'unchanged' | 'actor_not_admin' | 'no_break_glass_admin'>;
  /** Keeps the role map this start runs with; true when it differs from the one kept before (or none was). */
  recordRoleMap(text: string): Promise<boolean>;

  // The first admin's setup
  /**
   * While the console has no account, keeps this instance's setup token (its SHA-256) so that any
   * instance accepts it; false, and nothing kept, once an account exists.
   */
  openSetup(tokenHash: string): Promise<boolean>;
  /** Whether this token (its SHA-256) was kept by an instance and setup is still open. */
  setupTokenValid(tokenHash: string): Promise<boolean>;
  /**
   * The first admin, only while the console has no account at all and with a kept token: of
   * concurrent setups (on any instances), one makes it; every token is then forgotten.
   */
  createFirstAdmin(account: Account, passwordHash: string, tokenHash: string): Promise<'created' | 'not_available' | 'invalid_token'>;

  // Sessions (the store of @fastify/session)
  getSession(id: string, now?: number): Promise<unknown>;
  /**
   * The account of a session, read in one statement with the session itself: undefined when the
   * session has ended meanwhile (logout, or a change of the account, on any instance), so a request
   * never sees the account as changed while its ended session still looked alive.
   */
  sessionAccount(sessionId: string, name: string): Promise<StoredAccount | undefined>;
  /**
   * A session's row is made only here, at login, and only while the account is as it was when its
   * password was checked (not disabled, same password): a reset or a disable that lands during the
   * login wins. False: not made.
   */
  createSession(id: string, data: unknown, expiresAt: number, account: { name: string; passwordHash: string }): Promise<boolean>;
  /**
   * Saves a session that exists: never makes one. A request still in flight when its session ended
   * (logout, password reset, disabling, expiry) saves it again as it leaves (@fastify/session's
   * rolling save in onSend); the ended session must stay ended.
   */
  setSession(id: string, data: unknown, expiresAt: number): Promise<void>;
  destroySession(id: string): Promise<void>;
  /** Ends every session of an account, but `except` (the one making the change, when it is their own). */
  endSessionsOf(name: string, except?: string): Promise<void>;
  pruneSessions(now?: number): Promise<void>;

  // Login failures (and attempts being checked, which count as failures until the password is right).
  // `account` is the name as typed: kept only as its keyed hash (loginNameHash), never as text.
  /** Records a failed (or not yet checked) login. */
  recordLoginFailure(account: string, address: string, now?: number): Promise<void>;
  /** The failures since `since` of a name typed, or of an address: their count, when the oldest and the newest happened. */
  loginFailures(column: 'account' | 'address', value: string, since: number): Promise<LoginFailures>;
  /**
   * Runs `decide` on the failures since `since` and, unless it refuses the attempt, records the
   * attempt as a failure in the same transaction: concurrent attempts (of any instance) each see
   * those before them, so none slips past the limit while the others are still being hashed.
   * `decide`'s refusal, or undefined.
   */
  beginLoginAttempt<R>(
    account: string,
    address: string,
    now: number,
    since: number,
    decide: (counts: LoginAttemptCounts) => R | undefined,
  ): Promise<R | undefined>;
  /** Failures older than the throttling window count for nothing any more. */
  pruneLoginFailures(before: number): Promise<void>;
  clearLoginFailures(account: string): Promise<void>;

  // Audit trail
  appendAudit(entry: NewAuditEntry): Promise<void>;
  /** The keyed hash the trail keeps of a CPF, which selects its entries (`cpfHash` of a filter); null for what is not a CPF. */
  auditCpfHash(cpf: string): string | null;
  /** A page of the trail, newest first: by time, then id (entries of several instances interleave by time). */
  queryAudit(filter: AuditFilter): Promise<AuditEntry[]>;
  /**
   * The whole selection, newest first (by time, then id), as pages of at most `pageSize` entries:
   * each page is read when the one before has been taken (an export writes it out first), by keyset
   * from the last entry of the page before, so no page holds a connection or a transaction while
   * it waits. Ending the iteration early (the client left) reads nothing more.
   */
  auditPages(selection: AuditSelection, pageSize: number): AsyncGenerator<AuditEntry[], void, undefined>;
  /**
   * The retention job (decision 011): deletes the entries older than `retentionDays` days before now
   * (the database's clock), oldest first, in batches of at most `batchSize`. Each batch is one
   * transaction that deletes and appends its own `audit_pruned` entry (auditPrunedEntry): no entry
   * leaves without a record of it. The trail's triggers refuse any other DELETE (and every UPDATE);
   * on PostgreSQL the batches of every instance take the retention lock one at a time.
   */
  pruneAudit(retentionDays: number, options?: AuditPruneOptions): Promise<AuditPruneResult>;
  /**
   * The earliest successful `register` of this key in this environment (keys compared without
   * regard to case: QI Tech may write them in capitals).
   */
  registrationOrigin(environment: EnvironmentName, registrationKey: string): Promise<RegistrationOriginRow | undefined>;
}

/** The keyed hash of a CPF's digits that the trail keeps to find a CPF again; null for what is not a CPF. */
export function cpfHash(cpfKey: Buffer, cpf: string): string | null {
  const parsed = cpfSchema.safeParse(cpf);
  return parsed.success ? createHmac('sha256', cpfKey).update(parsed.data.replace(/\D/g, '')).digest('base64url') : null;
}

/**
 * The key of the names kept in login_failures: derived from the CPF key (one secret less to keep
 * and share between instances), and apart from it, so that neither hash says anything of the other.
 */
export function loginNameKey(cpfKey: Buffer): Buffer {
  return createHmac('sha256', cpfKey).update('login_failures.account').digest();
}

/**
 * How login_failures keeps the name typed at a login: its HMAC-SHA-256 (trimmed, lower case, as the
 * login compares names), never the text, since people type their password into the name field.
 * The same name gives the same value, so its failures are counted together as before; keyed, so
 * that without the key the table cannot be tried against a list of likely passwords (a plain
 * SHA-256 of a password is found in a dictionary at once). Every name alike, an
 * account's too: nothing shows these rows, and a name becoming an account (or ceasing to be one)
 * within the throttling window keeps its count.
 */
export function loginNameHash(key: Buffer, name: string): string {
  return createHmac('sha256', key).update(name.trim().toLowerCase().normalize('NFC')).digest('base64url');
}

/** How a setup token is kept: its SHA-256 (the token is 24 random bytes, so no salt or slow hash is needed). */
export function setupTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A change of what the account may do (or of its password) ends its open sessions: it logs in again. */
export function endsSessions(change: AccountChange): boolean {
  return change.disabled === true || change.passwordHash !== undefined || change.role !== undefined || change.environments !== undefined;
}

/** Whether the account counts as an enabled break-glass admin (the last one is kept while local login is restricted). */
export function isBreakGlassAdmin(account: { role: Role; disabled: boolean; breakGlass: boolean }): boolean {
  return account.role === 'admin' && !account.disabled && account.breakGlass;
}
