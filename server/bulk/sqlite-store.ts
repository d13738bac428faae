import type Database from 'better-sqlite3';
import type { BulkProblem, BulkRowStatus } from '../../contract/bulk.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import type { NewAuditEntry } from '../access/store.ts';
import type { BulkStore, CheckOutcome, JobCounts, NewJob, NewRow, SendOutcome, StoredJob, StoredJobStatus, StoredRow } from './store.ts';
import { countsOf, forgottenCpf } from './store.ts';

/*
 * The bulk store in console.sqlite (the access store's connection: sqlite-store.ts creates the
 * tables in its migrations). Times are this machine's clock in ms (one instance: one clock).
 * better-sqlite3 is synchronous: what could hold the event loop long (deleting a job's photos, up to
 * ~2 GB) runs in batches with a turn of the event loop between them.
 */

/** Photos one batch of a deletion removes (~5–15 MB after reduction; up to 20 MB each before the check). */
const PHOTO_DELETE_BATCH = 100;

/** Statuses of a row that still needs its photo (a row of any other status never reads it again). */
const NEEDS_PHOTO = "('pending', 'ready', 'sending')";

interface JobRecord {
  id: string;
  environment: EnvironmentName;
  status: StoredJobStatus;
  source_name: string;
  created_at: number;
  created_by: string;
  started_by: string | null;
  started_at: number | null;
  finished_at: number | null;
  needs_admin_confirmation: number;
  pause_reason: string | null;
  updated_at: number;
}

interface RowRecord {
  job_id: string;
  csv_row: number;
  cpf: string;
  file: string;
  consent_term_version: string;
  consent_date: string;
  status: BulkRowStatus;
  problem: BulkProblem | null;
  image_status: string | null;
  description: string | null;
  registration_key: string | null;
  refusal_title: string | null;
  http_status: number | null;
  similar_faces: number | null;
  updated_at: number;
}

const JOB_COLUMNS = `id, environment, status, source_name, created_at, created_by, started_by, started_at, finished_at,
                     needs_admin_confirmation, pause_reason, updated_at`;
const ROW_COLUMNS = `r.job_id, r.csv_row, r.cpf, r.file, r.consent_term_version, r.consent_date, r.status, r.problem, r.image_status,
                     r.description, r.registration_key, r.refusal_title, r.http_status, r.similar_faces, r.updated_at`;

const iso = (ms: number) => new Date(ms).toISOString();

function toJob(record: JobRecord): StoredJob {
  return {
    id: record.id,
    environment: record.environment,
    status: record.status,
    sourceName: record.source_name,
    createdAt: iso(record.created_at),
    createdBy: record.created_by,
    startedBy: record.started_by,
    startedAt: record.started_at === null ? null : iso(record.started_at),
    finishedAt: record.finished_at === null ? null : iso(record.finished_at),
    needsAdminConfirmation: record.needs_admin_confirmation === 1,
    pauseReason: record.pause_reason === null ? null : (JSON.parse(record.pause_reason) as { title: string; description: string }),
    updatedAt: iso(record.updated_at),
  };
}

function toRow(record: RowRecord): StoredRow {
  return {
    jobId: record.job_id,
    row: record.csv_row,
    cpf: record.cpf,
    file: record.file,
    consentTermVersion: record.consent_term_version,
    consentDate: record.consent_date,
    status: record.status,
    problem: record.problem,
    imageStatus: record.image_status,
    description: record.description,
    registrationKey: record.registration_key,
    refusalTitle: record.refusal_title,
    httpStatus: record.http_status,
    similarFaces: record.similar_faces,
    updatedAt: iso(record.updated_at),
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

export class SqliteBulkStore implements BulkStore {
  readonly #db: Database.Database;
  /** Inserts an audit entry on this connection, inside the transaction in progress (the access store's). */
  readonly #appendAudit: (entry: NewAuditEntry) => void;

  /**
   * SQLite is one instance's: the process before this one is gone, so its leases are forgotten (its
   * jobs are taken over at once), and the photos a crash left to jobs that had ended are deleted.
   */
  constructor(db: Database.Database, appendAudit: (entry: NewAuditEntry) => void) {
    this.#db = db;
    this.#appendAudit = appendAudit;
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE bulk_jobs SET lease_holder = NULL, lease_until = NULL WHERE lease_holder IS NOT NULL').run();
      this.#db.prepare("DELETE FROM bulk_photos WHERE job_id IN (SELECT id FROM bulk_jobs WHERE status IN ('done', 'cancelled'))").run();
    })();
  }

  /** A write that reads first, in one IMMEDIATE transaction (the write lock before the read). */
  #immediate<T>(body: () => T): Promise<T> {
    return settle(() => this.#db.transaction(body).immediate());
  }

  #touch(jobId: string, now: number): void {
    this.#db.prepare('UPDATE bulk_jobs SET updated_at = ? WHERE id = ?').run(now, jobId);
  }

  createJob(job: NewJob): Promise<void> {
    return settle(() => {
      const now = Date.now();
      this.#db
        .prepare(
          `INSERT INTO bulk_jobs (id, environment, status, source_name, created_at, created_by, needs_admin_confirmation, updated_at)
           VALUES (?, ?, 'uploading', ?, ?, ?, ?, ?)`,
        )
        .run(job.id, job.environment, job.sourceName, now, job.createdBy, job.needsAdminConfirmation ? 1 : 0, now);
    });
  }

  putPhoto(jobId: string, name: string, content: Buffer): Promise<void> {
    return this.#immediate(() => {
      this.#db
        .prepare('INSERT INTO bulk_photos (job_id, name, content) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET content = excluded.content')
        .run(jobId, name, content);
      // An upload still being read is touched by each photo: only an untouched one is abandoned.
      this.#touch(jobId, Date.now());
    });
  }

  addRows(jobId: string, rows: readonly NewRow[]): Promise<void> {
    return this.#immediate(() => {
      const now = Date.now();
      const insert = this.#db.prepare(
        `INSERT INTO bulk_rows (job_id, csv_row, cpf, file, consent_term_version, consent_date, photo, status, problem, description, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const row of rows) {
        insert.run(
          jobId,
          row.row,
          row.cpf,
          row.file,
          row.consentTermVersion,
          row.consentDate,
          row.photo,
          row.status,
          row.problem,
          row.description,
          now,
        );
      }
      this.#touch(jobId, now);
    });
  }

  finishUpload(jobId: string): Promise<void> {
    return this.#immediate(() => {
      // Only a row to check needs its photo: one named by no row, or by problem rows alone, goes now.
      this.#db
        .prepare(
          `DELETE FROM bulk_photos AS p WHERE p.job_id = ? AND NOT EXISTS (
             SELECT 1 FROM bulk_rows r INDEXED BY bulk_rows_by_photo WHERE r.job_id = p.job_id AND r.photo = p.name AND r.status = 'pending')`,
        )
        .run(jobId);
      this.#db
        .prepare("UPDATE bulk_jobs SET status = 'checking', updated_at = ? WHERE id = ? AND status = 'uploading'")
        .run(Date.now(), jobId);
    });
  }

  /** Deletes the job's photos a batch at a time (each its own transaction), the event loop running between. */
  async #deletePhotos(jobId: string): Promise<void> {
    const batch = this.#db.prepare('DELETE FROM bulk_photos WHERE rowid IN (SELECT rowid FROM bulk_photos WHERE job_id = ? LIMIT ?)');
    while ((await settle(() => batch.run(jobId, PHOTO_DELETE_BATCH))).changes === PHOTO_DELETE_BATCH) await nextTurn();
  }

  async deleteJob(jobId: string): Promise<void> {
    // A crash between batches leaves the job as it was (uploading, or ended): deleted again later.
    await this.#deletePhotos(jobId);
    await this.#immediate(() => {
      this.#db.prepare('DELETE FROM bulk_photos WHERE job_id = ?').run(jobId);
      this.#db.prepare('DELETE FROM bulk_rows WHERE job_id = ?').run(jobId);
      this.#db.prepare('DELETE FROM bulk_jobs WHERE id = ?').run(jobId);
    });
  }

  getJob(jobId: string): Promise<StoredJob | undefined> {
    return settle(() => {
      const record = this.#db.prepare<[string], JobRecord>(`SELECT ${JOB_COLUMNS} FROM bulk_jobs WHERE id = ?`).get(jobId);
      return record === undefined ? undefined : toJob(record);
    });
  }

  listJobs(environments: readonly EnvironmentName[], limit: number): Promise<StoredJob[]> {
    return settle(() => {
      if (environments.length === 0) return [];
      const records = this.#db
        .prepare<(string | number)[], JobRecord>(
          `SELECT ${JOB_COLUMNS} FROM bulk_jobs
           WHERE environment IN (${environments.map(() => '?').join(', ')}) AND status <> 'uploading'
           ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .all(...environments, limit);
      return records.map(toJob);
    });
  }

  counts(jobId: string, windowMs: number): Promise<JobCounts> {
    return settle(() => {
      const since = Date.now() - windowMs;
      // Each from an index (the statuses' covers its count; the problems are looked up; the recent
      // ones are a range of their time's): a few ms at 20,000 rows, where one pass over the rows
      // grouped by status and problem took ~30.
      const count = (sql: string) => this.#db.prepare<[string, number], number>(sql).pluck().get(jobId, since) ?? 0;
      const groups = [
        ...this.#db
          .prepare<[string], { status: BulkRowStatus; n: number }>(
            'SELECT status, count(*) AS n FROM bulk_rows INDEXED BY bulk_rows_by_status WHERE job_id = ? GROUP BY status',
          )
          .all(jobId)
          .filter((group) => group.status !== 'problem')
          .map((group) => ({ ...group, problem: null, checked: 0, sent: 0 })),
        ...this.#db
          .prepare<[string], { problem: BulkProblem | null; n: number }>(
            "SELECT problem, count(*) AS n FROM bulk_rows INDEXED BY bulk_rows_by_status WHERE job_id = ? AND status = 'problem' GROUP BY problem",
          )
          .all(jobId)
          .map((group) => ({ ...group, status: 'problem' as const, checked: 0, sent: 0 })),
      ];
      return {
        ...countsOf(groups),
        checkedRecently: count('SELECT count(*) FROM bulk_rows INDEXED BY bulk_rows_by_checked WHERE job_id = ? AND checked_at >= ?'),
        sentRecently: count('SELECT count(*) FROM bulk_rows INDEXED BY bulk_rows_by_sent WHERE job_id = ? AND sent_at >= ?'),
      };
    });
  }

  problemRows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    return settle(() =>
      this.#db
        .prepare<[string, number, number], RowRecord>(
          `SELECT ${ROW_COLUMNS} FROM bulk_rows r INDEXED BY bulk_rows_by_status
           WHERE r.job_id = ? AND r.status = 'problem' AND r.csv_row > ? ORDER BY r.csv_row LIMIT ?`,
        )
        .all(jobId, afterRow, limit)
        .map(toRow),
    );
  }

  rows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    return settle(() =>
      this.#db
        .prepare<[string, number, number], RowRecord>(
          `SELECT ${ROW_COLUMNS} FROM bulk_rows r WHERE r.job_id = ? AND r.csv_row > ? ORDER BY r.csv_row LIMIT ?`,
        )
        .all(jobId, afterRow, limit)
        .map(toRow),
    );
  }

  transition(
    jobId: string,
    from: readonly StoredJobStatus[],
    to: StoredJobStatus,
    change: { startedBy?: string; pauseReason?: { title: string; description: string } | null } = {},
    audit?: NewAuditEntry,
  ): Promise<boolean> {
    return this.#immediate(() => {
      if (from.length === 0) return false;
      const now = Date.now();
      const sets = ['status = ?', 'updated_at = ?'];
      const values: (string | number | null)[] = [to, now];
      if (change.startedBy !== undefined) {
        sets.push('started_by = ?', 'started_at = ?');
        values.push(change.startedBy, now);
      }
      if (to === 'done' || to === 'cancelled') {
        sets.push('finished_at = ?');
        values.push(now);
      }
      if (change.pauseReason !== undefined) {
        sets.push('pause_reason = ?');
        values.push(change.pauseReason === null ? null : JSON.stringify(change.pauseReason));
      }
      const { changes } = this.#db
        .prepare(`UPDATE bulk_jobs SET ${sets.join(', ')} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`)
        .run(...values, jobId, ...from);
      if (changes === 0) return false;
      if (audit !== undefined) this.#appendAudit(audit);
      return true;
    });
  }

  claimWork(instance: string, leaseMs: number): Promise<StoredJob | undefined> {
    return this.#immediate(() => {
      const now = Date.now();
      const job =
        // Its own first (a job it works on goes on), then one nobody holds (or whose holder is gone)…
        this.#db
          .prepare<[string], JobRecord>(
            `SELECT ${JOB_COLUMNS} FROM bulk_jobs WHERE lease_holder = ? AND status IN ('checking', 'running')
             ORDER BY created_at, rowid LIMIT 1`,
          )
          .get(instance) ??
        this.#db
          .prepare<[number], JobRecord>(
            `SELECT ${JOB_COLUMNS} FROM bulk_jobs
             WHERE status IN ('checking', 'running') AND (lease_holder IS NULL OR lease_until < ?)
             ORDER BY created_at, rowid LIMIT 1`,
          )
          .get(now) ??
        // …or a cancelled job with rows left sending, to look them up (their CPFs were kept for it)…
        this.#db
          .prepare<[number], JobRecord>(
            `SELECT ${JOB_COLUMNS} FROM bulk_jobs j
             WHERE j.status = 'cancelled' AND (j.lease_holder IS NULL OR j.lease_until < ?)
               AND EXISTS (SELECT 1 FROM bulk_rows r INDEXED BY bulk_rows_by_status
                           WHERE r.job_id = j.id AND r.status = 'sending' AND r.cpf NOT LIKE '***%')
             ORDER BY j.created_at, j.rowid LIMIT 1`,
          )
          .get(now) ??
        // …else the first job queued (started first) of an environment where none is running.
        this.#db
          .prepare<[], JobRecord>(
            `SELECT ${JOB_COLUMNS} FROM bulk_jobs q
             WHERE q.status = 'queued' AND NOT EXISTS (SELECT 1 FROM bulk_jobs r WHERE r.environment = q.environment AND r.status = 'running')
             ORDER BY q.started_at NULLS LAST, q.created_at, q.rowid LIMIT 1`,
          )
          .get();
      if (job === undefined) return undefined;
      if (job.status === 'queued') {
        this.#db.prepare("UPDATE bulk_jobs SET status = 'running', updated_at = ? WHERE id = ?").run(now, job.id);
        job.status = 'running';
        job.updated_at = now;
      }
      this.#db.prepare('UPDATE bulk_jobs SET lease_holder = ?, lease_until = ? WHERE id = ?').run(instance, now + leaseMs, job.id);
      return toJob(job);
    });
  }

  renewLease(jobId: string, instance: string, leaseMs: number): Promise<boolean> {
    return settle(
      () =>
        this.#db
          .prepare('UPDATE bulk_jobs SET lease_until = ? WHERE id = ? AND lease_holder = ?')
          .run(Date.now() + leaseMs, jobId, instance).changes === 1,
    );
  }

  releaseLease(jobId: string, instance: string): Promise<void> {
    return settle(() => {
      this.#db
        .prepare('UPDATE bulk_jobs SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?')
        .run(jobId, instance);
    });
  }

  pendingRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer | null })[]> {
    return settle(() =>
      this.#db
        .prepare<[string, number], RowRecord & { content: Buffer | null }>(
          `SELECT ${ROW_COLUMNS}, p.content FROM bulk_rows r INDEXED BY bulk_rows_by_status
           LEFT JOIN bulk_photos p ON p.job_id = r.job_id AND p.name = r.photo
           WHERE r.job_id = ? AND r.status = 'pending' ORDER BY r.csv_row LIMIT ?`,
        )
        .all(jobId, limit)
        .map((record) => ({ ...toRow(record), photo: record.content })),
    );
  }

  /**
   * The row's photo, which it needs no more, unless another row still to be sent names it too; and
   * the row's name for it forgotten.
   */
  #dropPhoto(jobId: string, row: number): void {
    this.#db
      .prepare(
        `DELETE FROM bulk_photos WHERE job_id = @jobId AND name = (SELECT photo FROM bulk_rows WHERE job_id = @jobId AND csv_row = @row)
         AND NOT EXISTS (SELECT 1 FROM bulk_rows o INDEXED BY bulk_rows_by_photo WHERE o.job_id = @jobId AND o.photo = bulk_photos.name AND o.csv_row <> @row
                                                     AND o.status IN ${NEEDS_PHOTO})`,
      )
      .run({ jobId, row });
    this.#db.prepare('UPDATE bulk_rows SET photo = NULL WHERE job_id = ? AND csv_row = ?').run(jobId, row);
  }

  recordCheck(jobId: string, row: number, outcome: CheckOutcome): Promise<void> {
    return this.#immediate(() => {
      const now = Date.now();
      // Only a row still to check: a check that ends after the job was cancelled changes nothing.
      const current = this.#db
        .prepare<[string, number], { photo: string | null }>(
          "SELECT photo FROM bulk_rows WHERE job_id = ? AND csv_row = ? AND status = 'pending'",
        )
        .get(jobId, row);
      if (current === undefined) return;
      if (outcome.status === 'ready') {
        const name = current.photo ?? `#${String(row)}`;
        this.#db
          .prepare('INSERT INTO bulk_photos (job_id, name, content) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET content = excluded.content')
          .run(jobId, name, outcome.photo);
        this.#db
          .prepare("UPDATE bulk_rows SET status = 'ready', photo = ?, updated_at = ?, checked_at = ? WHERE job_id = ? AND csv_row = ?")
          .run(name, now, now, jobId, row);
        return;
      }
      this.#dropPhoto(jobId, row);
      if (outcome.status === 'already_registered') {
        this.#db
          .prepare(
            `UPDATE bulk_rows SET status = 'already_registered', registration_key = ?, updated_at = ?, checked_at = ?
             WHERE job_id = ? AND csv_row = ?`,
          )
          .run(outcome.registrationKey, now, now, jobId, row);
      } else {
        this.#db
          .prepare(
            `UPDATE bulk_rows SET status = 'problem', problem = ?, image_status = ?, description = ?, updated_at = ?, checked_at = ?
             WHERE job_id = ? AND csv_row = ?`,
          )
          .run(outcome.problem, outcome.imageStatus ?? null, outcome.description, now, now, jobId, row);
      }
    });
  }

  readyRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer })[]> {
    return settle(() =>
      this.#db
        .prepare<[string, number], RowRecord & { content: Buffer }>(
          `SELECT ${ROW_COLUMNS}, p.content FROM bulk_rows r INDEXED BY bulk_rows_by_status
           JOIN bulk_photos p ON p.job_id = r.job_id AND p.name = r.photo
           WHERE r.job_id = ? AND r.status = 'ready' ORDER BY r.csv_row LIMIT ?`,
        )
        .all(jobId, limit)
        .map((record) => ({ ...toRow(record), photo: record.content })),
    );
  }

  sendingRows(jobId: string): Promise<StoredRow[]> {
    return settle(() =>
      this.#db
        .prepare<[string], RowRecord>(
          `SELECT ${ROW_COLUMNS} FROM bulk_rows r INDEXED BY bulk_rows_by_status WHERE r.job_id = ? AND r.status = 'sending' ORDER BY r.csv_row`,
        )
        .all(jobId)
        .map(toRow),
    );
  }

  markSending(jobId: string, row: number): Promise<boolean> {
    return settle(
      () =>
        this.#db
          .prepare(
            "UPDATE bulk_rows SET status = 'sending', updated_at = ? WHERE job_id = ? AND csv_row = ? AND status IN ('ready', 'sending')",
          )
          .run(Date.now(), jobId, row).changes === 1,
    );
  }

  markReady(jobId: string, row: number): Promise<void> {
    return settle(() => {
      // A job cancelled meanwhile sends it no more: the row is not sent.
      this.#db
        .prepare(
          `UPDATE bulk_rows SET updated_at = @now,
             status = CASE WHEN (SELECT status FROM bulk_jobs WHERE id = @jobId) = 'cancelled' THEN 'not_sent' ELSE 'ready' END
           WHERE job_id = @jobId AND csv_row = @row AND status = 'sending'`,
        )
        .run({ now: Date.now(), jobId, row });
    });
  }

  recordSend(jobId: string, row: number, outcome: SendOutcome, audit: NewAuditEntry): Promise<boolean> {
    return this.#immediate(() => {
      const now = Date.now();
      const values =
        outcome.status === 'registered'
          ? [outcome.status, outcome.registrationKey, null, null, null, outcome.httpStatus, outcome.similarFaces]
          : [outcome.status, null, outcome.refusalTitle, outcome.imageStatus, outcome.description, outcome.httpStatus, null];
      // Once: a row that has its outcome already keeps it, and the trail gets no second entry.
      const { changes } = this.#db
        .prepare(
          `UPDATE bulk_rows SET status = ?, registration_key = ?, refusal_title = ?, image_status = ?, description = ?, http_status = ?,
                                similar_faces = ?, updated_at = ?, sent_at = ?
           WHERE job_id = ? AND csv_row = ? AND status IN ('ready', 'sending')`,
        )
        .run(...values, now, now, jobId, row);
      if (changes === 0) return false;
      this.#dropPhoto(jobId, row);
      this.#appendAudit(audit);
      return true;
    });
  }

  async cancelRemaining(jobId: string): Promise<void> {
    await this.#immediate(() => {
      this.#db
        .prepare(
          "UPDATE bulk_rows SET status = 'not_sent', photo = NULL, updated_at = ? WHERE job_id = ? AND status IN ('ready', 'pending')",
        )
        .run(Date.now(), jobId);
    });
    // In batches; a crash before the last leaves photos of a cancelled job, deleted at the next open.
    await this.#deletePhotos(jobId);
    await this.#forgetCpfs(jobId, false);
  }

  async deletePhotos(jobId: string): Promise<void> {
    await this.#deletePhotos(jobId);
    await this.#forgetCpfs(jobId, false);
  }

  forgetCpfs(jobId: string): Promise<void> {
    return this.#forgetCpfs(jobId, true);
  }

  /** The rows of an ended job keep their CPFs masked only; a row left sending keeps it whole unless told (its look-up needs it). */
  #forgetCpfs(jobId: string, sending: boolean): Promise<void> {
    return this.#immediate(() => {
      const rows = this.#db
        .prepare<[string], { csv_row: number; cpf: string }>(
          `SELECT csv_row, cpf FROM bulk_rows WHERE job_id = ? AND cpf NOT LIKE '***%'${sending ? '' : " AND status <> 'sending'"}`,
        )
        .all(jobId);
      const update = this.#db.prepare('UPDATE bulk_rows SET cpf = ? WHERE job_id = ? AND csv_row = ?');
      for (const row of rows) update.run(forgottenCpf(row.cpf), jobId, row.csv_row);
    });
  }

  abandonedUploads(olderThanMs: number): Promise<string[]> {
    return settle(() =>
      this.#db
        .prepare<[number], string>("SELECT id FROM bulk_jobs WHERE status = 'uploading' AND updated_at < ? ORDER BY created_at")
        .pluck()
        .all(Date.now() - olderThanMs),
    );
  }

  staleJobs(olderThanMs: number): Promise<string[]> {
    return settle(() =>
      this.#db
        .prepare<[number], string>("SELECT id FROM bulk_jobs WHERE status IN ('ready', 'paused') AND updated_at < ? ORDER BY created_at")
        .pluck()
        .all(Date.now() - olderThanMs),
    );
  }
}
