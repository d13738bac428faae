import type { BulkProblem, BulkRowStatus } from '../../contract/bulk.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import type { NewAuditEntry } from '../access/store.ts';
import { LOCK, lockForTransaction } from '../lib/postgres.ts';
import type { Queryable, Sql } from '../lib/postgres.ts';
import { countsOf, forgottenCpf } from './store.ts';
import type { BulkStore, CheckOutcome, JobCounts, NewJob, NewRow, SendOutcome, StoredJob, StoredJobStatus, StoredRow } from './store.ts';

/*
 * The bulk store in DATABASE_URL's PostgreSQL (the access store's pool: postgres-store.ts creates
 * the tables in its migrations), shared by every instance. Times are the database's clock, so that
 * leases and windows mean the same on every instance. A job's rows and photos go with it (ON DELETE
 * CASCADE). Several instances may touch one job (a lease that lapsed is taken over): each write
 * that depends on a row's status says so in its WHERE, which PostgreSQL re-checks after any
 * concurrent change of that row.
 */

/** Rows one INSERT of addRows carries (13 parameters a row, well under the protocol's 65,535). */
const INSERT_BATCH = 1000;

interface JobRecord {
  id: string;
  environment: EnvironmentName;
  status: StoredJobStatus;
  source_name: string;
  created_at: Date;
  created_by: string;
  started_by: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  needs_admin_confirmation: boolean;
  pause_reason: { title: string; description: string } | null;
  updated_at: Date;
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
  updated_at: Date;
}

function toJob(record: JobRecord): StoredJob {
  return {
    id: record.id,
    environment: record.environment,
    status: record.status,
    sourceName: record.source_name,
    createdAt: record.created_at.toISOString(),
    createdBy: record.created_by,
    startedBy: record.started_by,
    startedAt: record.started_at?.toISOString() ?? null,
    finishedAt: record.finished_at?.toISOString() ?? null,
    needsAdminConfirmation: record.needs_admin_confirmation,
    pauseReason: record.pause_reason,
    updatedAt: record.updated_at.toISOString(),
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
    updatedAt: record.updated_at.toISOString(),
  };
}

export class PostgresBulkStore implements BulkStore {
  readonly #sql: Sql;
  /** Inserts an audit entry on this connection (a transaction's, for one that commits with it). */
  readonly #appendAudit: (sql: Queryable, entry: NewAuditEntry) => Promise<void>;

  constructor(sql: Sql, appendAudit: (sql: Queryable, entry: NewAuditEntry) => Promise<void>) {
    this.#sql = sql;
    this.#appendAudit = appendAudit;
  }

  #transaction<T>(body: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#sql.begin((tx) => body(tx)) as Promise<T>;
  }

  /** `ms` before (or after) the database's now. */
  #ago(ms: number) {
    return this.#sql`now() - make_interval(secs => ${ms / 1000}::float8)`;
  }

  async createJob(job: NewJob): Promise<void> {
    await this.#sql`
      INSERT INTO bulk_jobs (id, environment, status, source_name, created_by, needs_admin_confirmation)
      VALUES (${job.id}, ${job.environment}, 'uploading', ${job.sourceName}, ${job.createdBy}, ${job.needsAdminConfirmation})`;
  }

  async putPhoto(jobId: string, name: string, content: Buffer): Promise<void> {
    // An upload still being read is touched by each photo: only an untouched one is abandoned.
    await this.#sql`
      WITH kept AS (
        INSERT INTO bulk_photos (job_id, name, content) VALUES (${jobId}, ${name}, ${content})
        ON CONFLICT (job_id, name) DO UPDATE SET content = excluded.content
      )
      UPDATE bulk_jobs SET updated_at = now() WHERE id = ${jobId}`;
  }

  async addRows(jobId: string, rows: readonly NewRow[]): Promise<void> {
    await this.#transaction(async (tx) => {
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        const values = rows.slice(start, start + INSERT_BATCH).map((row) => ({
          job_id: jobId,
          csv_row: row.row,
          cpf: row.cpf,
          file: row.file,
          consent_term_version: row.consentTermVersion,
          consent_date: row.consentDate,
          photo: row.photo,
          status: row.status,
          problem: row.problem,
          description: row.description,
        }));
        await tx`INSERT INTO bulk_rows ${tx(values)}`;
      }
      await tx`UPDATE bulk_jobs SET updated_at = now() WHERE id = ${jobId}`;
    });
  }

  async finishUpload(jobId: string): Promise<void> {
    await this.#transaction(async (tx) => {
      // The tables' statistics after the load, before the queries that follow read them: planned on
      // the statistics of empty tables, this DELETE alone scanned every row for each photo (minutes).
      await tx`ANALYZE bulk_rows, bulk_photos`;
      // Only a row to check needs its photo: one named by no row, or by problem rows alone, goes now.
      await tx`
        DELETE FROM bulk_photos p WHERE p.job_id = ${jobId} AND NOT EXISTS (
          SELECT 1 FROM bulk_rows r WHERE r.job_id = p.job_id AND r.photo = p.name AND r.status = 'pending')`;
      await tx`UPDATE bulk_jobs SET status = 'checking', updated_at = now() WHERE id = ${jobId} AND status = 'uploading'`;
    });
  }

  async deleteJob(jobId: string): Promise<void> {
    // Its rows and photos with it (ON DELETE CASCADE), in this one statement.
    await this.#sql`DELETE FROM bulk_jobs WHERE id = ${jobId}`;
  }

  async getJob(jobId: string): Promise<StoredJob | undefined> {
    const [record] = await this.#sql<JobRecord[]>`SELECT * FROM bulk_jobs WHERE id = ${jobId}`;
    return record === undefined ? undefined : toJob(record);
  }

  async listJobs(environments: readonly EnvironmentName[], limit: number): Promise<StoredJob[]> {
    if (environments.length === 0) return [];
    const records = await this.#sql<JobRecord[]>`
      SELECT * FROM bulk_jobs WHERE environment IN ${this.#sql([...environments])} AND status <> 'uploading'
      ORDER BY created_at DESC, seq DESC LIMIT ${limit}`;
    return records.map(toJob);
  }

  async counts(jobId: string, windowMs: number): Promise<JobCounts> {
    const since = this.#ago(windowMs);
    // One pass over the job's rows (its range of the primary key): a few ms at 20,000 rows.
    const groups = await this.#sql<{ status: BulkRowStatus; problem: BulkProblem | null; n: number; checked: number; sent: number }[]>`
      SELECT status, problem, count(*) AS n, count(*) FILTER (WHERE checked_at >= ${since}) AS checked,
             count(*) FILTER (WHERE sent_at >= ${since}) AS sent
      FROM bulk_rows WHERE job_id = ${jobId} GROUP BY status, problem`;
    return countsOf(groups);
  }

  async problemRows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    const records = await this.#sql<RowRecord[]>`
      SELECT * FROM bulk_rows WHERE job_id = ${jobId} AND status = 'problem' AND csv_row > ${afterRow} ORDER BY csv_row LIMIT ${limit}`;
    return records.map(toRow);
  }

  async rows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    const records = await this.#sql<RowRecord[]>`
      SELECT * FROM bulk_rows WHERE job_id = ${jobId} AND csv_row > ${afterRow} ORDER BY csv_row LIMIT ${limit}`;
    return records.map(toRow);
  }

  transition(
    jobId: string,
    from: readonly StoredJobStatus[],
    to: StoredJobStatus,
    change: { startedBy?: string; pauseReason?: { title: string; description: string } | null } = {},
    audit?: NewAuditEntry,
  ): Promise<boolean> {
    if (from.length === 0) return Promise.resolve(false);
    return this.#transaction(async (tx) => {
      const { pauseReason, startedBy } = change;
      const { count } = await tx`
        UPDATE bulk_jobs SET status = ${to}, updated_at = now()
          ${startedBy === undefined ? tx`` : tx`, started_by = ${startedBy}, started_at = now()`}
          ${to === 'done' || to === 'cancelled' ? tx`, finished_at = now()` : tx``}
          ${pauseReason === undefined ? tx`` : tx`, pause_reason = ${pauseReason === null ? null : tx.json(pauseReason)}`}
        WHERE id = ${jobId} AND status IN ${tx([...from])}`;
      if (count === 0) return false;
      if (audit !== undefined) await this.#appendAudit(tx, audit);
      return true;
    });
  }

  claimWork(instance: string, leaseMs: number): Promise<StoredJob | undefined> {
    // Claims of every instance one at a time: two never take one job, nor start two in one environment.
    return this.#transaction(async (tx) => {
      await lockForTransaction(tx, LOCK.bulkWork);
      const [own] = await tx<{ id: string }[]>`
        SELECT id FROM bulk_jobs WHERE lease_holder = ${instance} AND status IN ('checking', 'running') ORDER BY created_at, seq LIMIT 1`;
      const free =
        own ??
        (
          await tx<{ id: string }[]>`
            SELECT id FROM bulk_jobs WHERE status IN ('checking', 'running') AND (lease_holder IS NULL OR lease_until < now())
            ORDER BY created_at, seq LIMIT 1`
        )[0] ??
        // A cancelled job with rows left sending, to look them up (their CPFs were kept for it).
        (
          await tx<{ id: string }[]>`
            SELECT j.id FROM bulk_jobs j
            WHERE j.status = 'cancelled' AND (j.lease_holder IS NULL OR j.lease_until < now())
              AND EXISTS (SELECT 1 FROM bulk_rows r WHERE r.job_id = j.id AND r.status = 'sending' AND r.cpf NOT LIKE '***%')
            ORDER BY j.created_at, j.seq LIMIT 1`
        )[0];
      // The job's status is checked again as the lease is written: a person may have paused it meanwhile.
      const lease = tx`lease_holder = ${instance}, lease_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)`;
      if (free !== undefined) {
        const [job] = await tx<JobRecord[]>`
          UPDATE bulk_jobs SET ${lease} WHERE id = ${free.id} AND status IN ('checking', 'running', 'cancelled') RETURNING *`;
        return job === undefined ? undefined : toJob(job);
      }
      // The first job queued (started first) of an environment where none is running.
      const [job] = await tx<JobRecord[]>`
        UPDATE bulk_jobs SET status = 'running', updated_at = now(), ${lease}
        WHERE id = (
          SELECT q.id FROM bulk_jobs q
          WHERE q.status = 'queued' AND NOT EXISTS (SELECT 1 FROM bulk_jobs r WHERE r.environment = q.environment AND r.status = 'running')
          ORDER BY q.started_at NULLS LAST, q.created_at, q.seq LIMIT 1)
        AND status = 'queued'
        RETURNING *`;
      return job === undefined ? undefined : toJob(job);
    });
  }

  async renewLease(jobId: string, instance: string, leaseMs: number): Promise<boolean> {
    const { count } = await this.#sql`
      UPDATE bulk_jobs SET lease_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)
      WHERE id = ${jobId} AND lease_holder = ${instance}`;
    return count === 1;
  }

  async releaseLease(jobId: string, instance: string): Promise<void> {
    await this.#sql`UPDATE bulk_jobs SET lease_holder = NULL, lease_until = NULL WHERE id = ${jobId} AND lease_holder = ${instance}`;
  }

  async pendingRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer | null })[]> {
    const records = await this.#sql<(RowRecord & { content: Buffer | null })[]>`
      SELECT r.*, p.content FROM bulk_rows r LEFT JOIN bulk_photos p ON p.job_id = r.job_id AND p.name = r.photo
      WHERE r.job_id = ${jobId} AND r.status = 'pending' ORDER BY r.csv_row LIMIT ${limit}`;
    return records.map((record) => ({ ...toRow(record), photo: record.content }));
  }

  /**
   * The row's photo, which it needs no more, unless another row still to be sent names it too; and
   * the row's name for it forgotten.
   */
  async #dropPhoto(tx: Queryable, jobId: string, row: number): Promise<void> {
    await tx`
      DELETE FROM bulk_photos p WHERE p.job_id = ${jobId}
      AND p.name = (SELECT photo FROM bulk_rows WHERE job_id = ${jobId} AND csv_row = ${row})
      AND NOT EXISTS (SELECT 1 FROM bulk_rows o WHERE o.job_id = ${jobId} AND o.photo = p.name AND o.csv_row <> ${row}
                                                  AND o.status IN ('pending', 'ready', 'sending'))`;
    await tx`UPDATE bulk_rows SET photo = NULL WHERE job_id = ${jobId} AND csv_row = ${row}`;
  }

  async recordCheck(jobId: string, row: number, outcome: CheckOutcome): Promise<void> {
    await this.#transaction(async (tx) => {
      // Only a row still to check: a check that ends after the job was cancelled changes nothing.
      const [current] = await tx<{ photo: string | null }[]>`
        SELECT photo FROM bulk_rows WHERE job_id = ${jobId} AND csv_row = ${row} AND status = 'pending' FOR UPDATE`;
      if (current === undefined) return;
      if (outcome.status === 'ready') {
        const name = current.photo ?? `#${String(row)}`;
        await tx`
          INSERT INTO bulk_photos (job_id, name, content) VALUES (${jobId}, ${name}, ${outcome.photo})
          ON CONFLICT (job_id, name) DO UPDATE SET content = excluded.content`;
        await tx`
          UPDATE bulk_rows SET status = 'ready', photo = ${name}, updated_at = now(), checked_at = now()
          WHERE job_id = ${jobId} AND csv_row = ${row}`;
        return;
      }
      await this.#dropPhoto(tx, jobId, row);
      await (outcome.status === 'already_registered'
        ? tx`
            UPDATE bulk_rows SET status = 'already_registered', registration_key = ${outcome.registrationKey}, updated_at = now(),
                                 checked_at = now()
            WHERE job_id = ${jobId} AND csv_row = ${row}`
        : tx`
            UPDATE bulk_rows SET status = 'problem', problem = ${outcome.problem}, image_status = ${outcome.imageStatus ?? null},
                                 description = ${outcome.description}, updated_at = now(), checked_at = now()
            WHERE job_id = ${jobId} AND csv_row = ${row}`);
    });
  }

  async readyRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer })[]> {
    const records = await this.#sql<(RowRecord & { content: Buffer })[]>`
      SELECT r.*, p.content FROM bulk_rows r JOIN bulk_photos p ON p.job_id = r.job_id AND p.name = r.photo
      WHERE r.job_id = ${jobId} AND r.status = 'ready' ORDER BY r.csv_row LIMIT ${limit}`;
    return records.map((record) => ({ ...toRow(record), photo: record.content }));
  }

  async sendingRows(jobId: string): Promise<StoredRow[]> {
    const records = await this.#sql<RowRecord[]>`
      SELECT * FROM bulk_rows WHERE job_id = ${jobId} AND status = 'sending' ORDER BY csv_row`;
    return records.map(toRow);
  }

  async markSending(jobId: string, row: number): Promise<boolean> {
    const { count } = await this.#sql`
      UPDATE bulk_rows SET status = 'sending', updated_at = now()
      WHERE job_id = ${jobId} AND csv_row = ${row} AND status IN ('ready', 'sending')`;
    return count === 1;
  }

  async markReady(jobId: string, row: number): Promise<void> {
    // A job cancelled meanwhile sends it no more: the row is not sent.
    await this.#sql`
      UPDATE bulk_rows r SET updated_at = now(), status = CASE WHEN j.status = 'cancelled' THEN 'not_sent' ELSE 'ready' END
      FROM bulk_jobs j
      WHERE j.id = r.job_id AND r.job_id = ${jobId} AND r.csv_row = ${row} AND r.status = 'sending'`;
  }

  recordSend(jobId: string, row: number, outcome: SendOutcome, audit: NewAuditEntry): Promise<boolean> {
    return this.#transaction(async (tx) => {
      const registered = outcome.status === 'registered';
      // Once: a row that has its outcome already keeps it, and the trail gets no second entry (a
      // concurrent recordSend of the row waits for this one, then finds the row no longer sending).
      const { count } = await tx`
        UPDATE bulk_rows SET status = ${outcome.status},
          registration_key = ${registered ? outcome.registrationKey : null},
          refusal_title = ${registered ? null : outcome.refusalTitle},
          image_status = ${registered ? null : outcome.imageStatus},
          description = ${registered ? null : outcome.description},
          http_status = ${outcome.httpStatus},
          similar_faces = ${registered ? outcome.similarFaces : null},
          updated_at = now(), sent_at = now()
        WHERE job_id = ${jobId} AND csv_row = ${row} AND status IN ('ready', 'sending')`;
      if (count === 0) return false;
      await this.#dropPhoto(tx, jobId, row);
      await this.#appendAudit(tx, audit);
      return true;
    });
  }

  async cancelRemaining(jobId: string): Promise<void> {
    await this.#transaction(async (tx) => {
      await tx`
        UPDATE bulk_rows SET status = 'not_sent', photo = NULL, updated_at = now()
        WHERE job_id = ${jobId} AND status IN ('ready', 'pending')`;
      await tx`DELETE FROM bulk_photos WHERE job_id = ${jobId}`;
    });
    await this.#forgetCpfs(jobId, false);
  }

  async deletePhotos(jobId: string): Promise<void> {
    await this.#sql`DELETE FROM bulk_photos WHERE job_id = ${jobId}`;
    await this.#forgetCpfs(jobId, false);
  }

  forgetCpfs(jobId: string): Promise<void> {
    return this.#forgetCpfs(jobId, true);
  }

  /** The rows of an ended job keep their CPFs masked only; a row left sending keeps it whole unless told (its look-up needs it). */
  async #forgetCpfs(jobId: string, sending: boolean): Promise<void> {
    await this.#transaction(async (tx) => {
      const rows = await tx<{ csv_row: number; cpf: string }[]>`
        SELECT csv_row, cpf FROM bulk_rows
        WHERE job_id = ${jobId} AND cpf NOT LIKE '***%' ${sending ? tx`` : tx`AND status <> 'sending'`} FOR UPDATE`;
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        const values = rows.slice(start, start + INSERT_BATCH).map((row) => [row.csv_row, forgottenCpf(row.cpf)]);
        await tx`
          UPDATE bulk_rows AS r SET cpf = v.cpf
          FROM (VALUES ${tx(values)}) AS v (csv_row, cpf)
          WHERE r.job_id = ${jobId} AND r.csv_row = v.csv_row::int`;
      }
    });
  }

  async abandonedUploads(olderThanMs: number): Promise<string[]> {
    const records = await this.#sql<{ id: string }[]>`
      SELECT id FROM bulk_jobs WHERE status = 'uploading' AND updated_at < ${this.#ago(olderThanMs)} ORDER BY created_at, seq`;
    return records.map((record) => record.id);
  }

  async staleJobs(olderThanMs: number): Promise<string[]> {
    const records = await this.#sql<{ id: string }[]>`
      SELECT id FROM bulk_jobs WHERE status IN ('ready', 'paused') AND updated_at < ${this.#ago(olderThanMs)} ORDER BY created_at, seq`;
    return records.map((record) => record.id);
  }
}
