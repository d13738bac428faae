import type { BulkJobStatus, BulkProblem, BulkRowStatus } from '../../contract/bulk.ts';
import { hideCpf } from '../../contract/cpf.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import type { NewAuditEntry } from '../access/store.ts';

/*
 * Bulk registration's data (issue 16, decision 013): jobs, their rows and the rows' photos, in the
 * console's own database (console.sqlite, or DATABASE_URL's PostgreSQL), beside the audit trail, so
 * that a row's outcome and its audit entry are written in one transaction: after any crash a row
 * has its entry exactly once. The access store hands it out (AccessStore.bulk()).
 *
 * Photos are held only while the job needs them: a row's photo is deleted as soon as the row has
 * an outcome that needs it no more (a problem, already registered, registered, refused, not sent),
 * and every photo of a job when it ends.
 */

/** A job's status as the store keeps it: the contract's, and `uploading` while its upload is being read (never listed). */
export type StoredJobStatus = BulkJobStatus | 'uploading';

export interface StoredJob {
  id: string;
  environment: EnvironmentName;
  status: StoredJobStatus;
  sourceName: string;
  createdAt: string;
  createdBy: string;
  startedBy: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  needsAdminConfirmation: boolean;
  /** Why the console paused it (JSON of {title, description}); null otherwise. */
  pauseReason: { title: string; description: string } | null;
  /** ISO time of the last change of status (an untouched job expires: decision 013). */
  updatedAt: string;
}

export interface NewJob {
  id: string;
  environment: EnvironmentName;
  sourceName: string;
  createdBy: string;
  needsAdminConfirmation: boolean;
}

/** A row as the upload's reading left it: the CSV's cells, its photo (by the name it is kept under), and what was already found. */
export interface NewRow {
  /** The CSV's row number (header = 1). */
  row: number;
  /** The cell as written (kept until the job ends: the results name the row by it, masked). */
  cpf: string;
  file: string;
  consentTermVersion: string;
  consentDate: string;
  /** The photo's key among the job's photos (putPhoto's name); null when none was found. */
  photo: string | null;
  /** `pending` (to be checked) or `problem` (found while reading: bad CPF, no photo, a duplicate…). */
  status: 'pending' | 'problem';
  problem: BulkProblem | null;
  /** For duplicates: the earlier row's number; for the rest, a sentence. */
  description: string | null;
}

export interface StoredRow {
  jobId: string;
  row: number;
  cpf: string;
  file: string;
  consentTermVersion: string;
  consentDate: string;
  status: BulkRowStatus;
  problem: BulkProblem | null;
  imageStatus: string | null;
  description: string | null;
  /** The registration key: answered, found after a lost answer, or the one a CPF already had. */
  registrationKey: string | null;
  /** QI Tech's refusal (`image_quality`…), for `refused`. */
  refusalTitle: string | null;
  /** HTTP status of the answer kept (registered, refused). */
  httpStatus: number | null;
  /** How many faces the emulator found alike under other CPFs (duplicate_faces), when it said. */
  similarFaces: number | null;
  /** ISO time the row reached its current status. */
  updatedAt: string;
}

/** The outcome of a check: the row is ready (its photo replaced by the one that will be sent), or not to be sent. */
export type CheckOutcome =
  | { status: 'ready'; photo: Buffer }
  | { status: 'already_registered'; registrationKey: string }
  | { status: 'problem'; problem: BulkProblem; imageStatus?: string | null; description: string };

/** The outcome of a send, kept with its audit entry. */
export type SendOutcome =
  | { status: 'registered'; registrationKey: string; httpStatus: number; similarFaces: number | null }
  | { status: 'refused'; refusalTitle: string; imageStatus: string | null; description: string; httpStatus: number };

export interface JobCounts {
  total: number;
  byStatus: Partial<Record<BulkRowStatus, number>>;
  byProblem: Partial<Record<BulkProblem, number>>;
  /** Rows that reached a check outcome / a send outcome in the last `windowMs` (the pace now). */
  checkedRecently: number;
  sentRecently: number;
}

/** A job's counts from its rows grouped by status and problem (each store's one aggregate query). */
export function countsOf(
  groups: readonly { status: BulkRowStatus; problem: BulkProblem | null; n: number; checked: number; sent: number }[],
): JobCounts {
  const counts: JobCounts = { total: 0, byStatus: {}, byProblem: {}, checkedRecently: 0, sentRecently: 0 };
  for (const group of groups) {
    counts.total += group.n;
    counts.byStatus[group.status] = (counts.byStatus[group.status] ?? 0) + group.n;
    if (group.status === 'problem' && group.problem !== null)
      counts.byProblem[group.problem] = (counts.byProblem[group.problem] ?? 0) + group.n;
    counts.checkedRecently += group.checked;
    counts.sentRecently += group.sent;
  }
  return counts;
}

/**
 * What a row of an ended job keeps of its CPF cell: the masked CPF (`***.456.789-**`), or nothing
 * for a cell that is no CPF (it may still be someone's mistyped number).
 */
export function forgottenCpf(cell: string): string {
  return MASKED_CPF.test(cell) ? cell : (hideCpf(cell) ?? '');
}

const MASKED_CPF = /^\*\*\*\.\d{3}\.\d{3}-\*\*$/;

/** A row's CPF as the results, the problems and the job's summary show it: masked, whether the job kept it whole or not. */
export function shownCpf(cell: string): string | null {
  return MASKED_CPF.test(cell) ? cell : hideCpf(cell);
}

export interface BulkStore {
  createJob(job: NewJob): Promise<void>;
  /** Keeps one photo of a job being uploaded, under its name (the path in the ZIP, or the part's filename). */
  putPhoto(jobId: string, name: string, content: Buffer): Promise<void>;
  /** Adds rows (in batches, CSV order) to a job being uploaded. */
  addRows(jobId: string, rows: readonly NewRow[]): Promise<void>;
  /** The upload is read: photos no row names are deleted, the job becomes `checking`. */
  finishUpload(jobId: string): Promise<void>;
  /** An upload that failed, or a job being read when the process stopped: the job and all it holds are deleted. */
  deleteJob(jobId: string): Promise<void>;

  getJob(jobId: string): Promise<StoredJob | undefined>;
  /** The latest jobs of these environments, newest first (never `uploading` ones). */
  listJobs(environments: readonly EnvironmentName[], limit: number): Promise<StoredJob[]>;
  counts(jobId: string, windowMs: number): Promise<JobCounts>;
  /** Problem rows in CSV order, from `afterRow` (exclusive). */
  problemRows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]>;
  /** Every row in CSV order, from `afterRow` (exclusive): the results' pages. */
  rows(jobId: string, afterRow: number, limit: number): Promise<StoredRow[]>;

  /**
   * Changes a job's status only if it is one of `from` (compare and set: two people or two
   * instances cannot both start, pause or cancel it); false when it was not.
   */
  transition(
    jobId: string,
    from: readonly StoredJobStatus[],
    to: StoredJobStatus,
    change?: { startedBy?: string; pauseReason?: { title: string; description: string } | null },
    audit?: NewAuditEntry,
  ): Promise<boolean>;

  /**
   * The job this instance should work on now, leased to it for `leaseMs` (renewed by calling
   * again): a `checking` job, or a `running` one, or a `cancelled` one with rows left `sending`
   * (their CPFs whole: to be looked up), or the oldest `queued` one of an environment where none
   * is running (made `running`). Jobs leased to another live instance are left alone.
   * SQLite (one instance) forgets the leases of the process before at open.
   */
  claimWork(instance: string, leaseMs: number): Promise<StoredJob | undefined>;
  renewLease(jobId: string, instance: string, leaseMs: number): Promise<boolean>;
  releaseLease(jobId: string, instance: string): Promise<void>;

  /** Rows still to check (with their photo), CSV order. */
  pendingRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer | null })[]>;
  /** Only a `pending` row (a check that ends after the job was cancelled changes nothing). */
  recordCheck(jobId: string, row: number, outcome: CheckOutcome): Promise<void>;

  /** Ready rows to send (with their photo), CSV order. */
  readyRows(jobId: string, limit: number): Promise<(StoredRow & { photo: Buffer })[]>;
  /** Rows left `sending` (an answer lost, or the process stopped mid-call): each is looked up before it is sent again. */
  sendingRows(jobId: string): Promise<StoredRow[]>;
  /**
   * Before the call: the row is `sending` (committed first, so a crash leaves it to be looked up).
   * False when the row is neither `ready` nor `sending` (the job was cancelled meanwhile): not to be sent.
   */
  markSending(jobId: string, row: number): Promise<boolean>;
  /**
   * After a lookup found no registration, or a 429/503 that processed nothing: `ready` again (or
   * `not_sent` when the job was cancelled meanwhile). Only a `sending` row.
   */
  markReady(jobId: string, row: number): Promise<void>;
  /**
   * The row's outcome and its audit entry, in one transaction; its photo deleted. Only once: false,
   * and nothing written, when the row is neither `ready` nor `sending` (it has its outcome already).
   */
  recordSend(jobId: string, row: number, outcome: SendOutcome, audit: NewAuditEntry): Promise<boolean>;
  /**
   * Cancelled: every ready (or still pending) row becomes `not_sent`; the job's photos are deleted
   * and its rows' CPFs kept masked only (forgottenCpf), but those of rows left `sending`: their
   * answer is unknown, and each is looked up by CPF (claimWork hands the job out for it).
   */
  cancelRemaining(jobId: string): Promise<void>;
  /**
   * A job that ended (done, cancelled): every photo it still holds is deleted, and its rows keep
   * their CPFs masked only (forgottenCpf): nothing needs the whole numbers any more, and the
   * results and the audit show them masked anyway. A row left `sending` keeps its CPF, as above.
   */
  deletePhotos(jobId: string): Promise<void>;
  /**
   * A cancelled job whose rows left `sending` were looked up as far as they could be: every CPF it
   * holds masked, those rows' too (their outcome stays unknown; the job is handed out no more).
   */
  forgetCpfs(jobId: string): Promise<void>;
  /**
   * Jobs `uploading` left by a process that stopped mid-upload: untouched for `olderThanMs` (each
   * putPhoto and addRows touches the job).
   */
  abandonedUploads(olderThanMs: number): Promise<string[]>;
  /** `ready` or `paused` jobs untouched for `olderThanMs`: cancelled (photos deleted) by the caller. */
  staleJobs(olderThanMs: number): Promise<string[]>;
}
