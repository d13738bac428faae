import * as z from 'zod/mini';
import { environmentNameSchema } from './console.ts';

/*
 * Bulk registration (issue 16, decision 013): a CSV of CPFs and the photos it names, or one ZIP
 * holding both, checked row by row on the console server and then sent there as a job, paced, one
 * registration per row. Only the bulk page and the server use this module (never the first page).
 */

/** Rows one job holds at most: a larger onboarding base is sent as several jobs. */
export const BULK_MAX_ROWS = 20_000;
/** A photo's own file at most (a phone's 12 MP JPEG is 3–8 MB); it is reduced before it is sent. */
export const BULK_MAX_PHOTO_BYTES = 20 * 1024 * 1024;
/** One upload (the ZIP, or the CSV and its photos together) at most. */
export const BULK_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** The CSV itself at most (20,000 rows of four short columns are ~2 MB). */
export const BULK_MAX_CSV_BYTES = 8 * 1024 * 1024;

/** The CSV's columns, in any order (more columns are ignored); the header names them. */
export const BULK_CSV_COLUMNS = ['document_number', 'file', 'consent_term_version', 'consent_date'] as const;

/**
 * The multipart fields of POST /api/{env}/bulk/jobs: either one `zip` (holding one `.csv` and the
 * photos it names, in any folders), or one `csv` and the `photos` (each part's filename is the
 * photo's path as the CSV names it, or its bare name).
 */
export const BULK_UPLOAD_FIELDS = { zip: 'zip', csv: 'csv', photos: 'photos' } as const;

/**
 * - `checking`: the rows are being checked (CPF, photo, face check, consent, duplicates, CPFs
 *   already registered); nothing has been sent.
 * - `ready`: checked; waits for someone to start it (in production, for an admin's confirmation).
 * - `queued`: started, waiting for another job of the same environment to end (one sends at a time).
 * - `running`: sending. `paused`: stopped by a person, or by the console (`pause_reason`) when the
 *   environment refused its key or stayed unreachable.
 * - `done`: every row has its outcome. `cancelled`: stopped for good; the rows not sent stay so.
 */
const BULK_JOB_STATUSES = ['checking', 'ready', 'queued', 'running', 'paused', 'done', 'cancelled'] as const;
const bulkJobStatusSchema = z.enum(BULK_JOB_STATUSES);
export type BulkJobStatus = z.infer<typeof bulkJobStatusSchema>;

/**
 * Why a row will not be sent, found before anything is sent. `already_registered` is not a
 * problem but its own count: the CPF has a registration in this environment already.
 */
export const BULK_PROBLEMS = [
  'invalid_cpf',
  'missing_file',
  'ambiguous_file',
  'unreadable_image',
  'unsupported_image',
  'image_too_small',
  'image_too_large',
  'image_quality',
  'missing_consent',
  'invalid_consent_date',
  'duplicate_cpf',
  'duplicate_photo',
] as const;
const bulkProblemSchema = z.enum(BULK_PROBLEMS);
export type BulkProblem = z.infer<typeof bulkProblemSchema>;

/**
 * A row's state. Before sending: `pending` (not checked yet), `ready`, `problem`,
 * `already_registered`. While sending: `sending` (sent, its answer not yet kept; after a restart
 * or a lost answer the CPF is looked up before the row is ever sent again). Final: `registered`,
 * `refused` (QI Tech's 4xx: its title and `image_status`), `not_sent` (the job was cancelled).
 */
export type BulkRowStatus = 'pending' | 'ready' | 'problem' | 'already_registered' | 'sending' | 'registered' | 'refused' | 'not_sent';

const countsSchema = z.object({
  /** Rows in the CSV (its header not counted). */
  total: z.int(),
  /** Rows whose check is over (ready, problem or already registered). */
  checked: z.int(),
  ready: z.int(),
  problems: z.int(),
  already_registered: z.int(),
  /** Sent and answered with a registration key (or found registered after a lost answer). */
  registered: z.int(),
  /** Sent and refused by QI Tech (4xx). */
  refused: z.int(),
  /** Ready rows not yet sent (or sent, their answer not yet kept). */
  remaining: z.int(),
  /** Ready rows left unsent by a cancellation. */
  not_sent: z.int(),
});
export type BulkCounts = z.infer<typeof countsSchema>;

/** A problem row as the summary lists it (the first ones; the whole list is problems.csv). */
const problemRowSchema = z.object({
  /** The row's number in the CSV, the header being row 1 (what a spreadsheet shows). */
  row: z.int(),
  /** `***.456.789-**`; null when the cell is no CPF. */
  cpf_masked: z.nullable(z.string()),
  file: z.string(),
  problem: bulkProblemSchema,
  /** The face check's status for `image_quality` (`no_face`, `face_too_small`…). */
  image_status: z.nullable(z.string()),
  /** A sentence that says what to fix (English; the SPA shows its own words by `problem`). */
  description: z.string(),
});
export type BulkProblemRow = z.infer<typeof problemRowSchema>;

/** Why the console paused a job itself (the environment refused its key, or stayed unreachable). */
const pauseReasonSchema = z.object({ title: z.string(), description: z.string() });

export const bulkJobSchema = z.object({
  id: z.string(),
  environment: environmentNameSchema,
  status: bulkJobStatusSchema,
  /** The uploaded file's name (the ZIP's, or the CSV's). */
  source_name: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  /** Who started it (in production: the admin who confirmed the count); null until started. */
  started_by: z.nullable(z.string()),
  started_at: z.nullable(z.string()),
  finished_at: z.nullable(z.string()),
  /** Starting needs an admin who names the count of rows to send (production). */
  needs_admin_confirmation: z.boolean(),
  counts: countsSchema,
  /**
   * Rows per problem; absent kinds are 0. An object of the known kinds rather than z.record, whose
   * code would land on the first page (zod's modules are shared with it).
   */
  problem_counts: z.object(
    Object.fromEntries(BULK_PROBLEMS.map((problem) => [problem, z.optional(z.int())])) as Record<
      BulkProblem,
      z.ZodMiniOptional<z.ZodMiniNumberFormat>
    >,
  ),
  /** The first problem rows, in CSV order (at most 20). */
  problem_sample: z.array(problemRowSchema),
  /** The pace: what the environment's settings allow, and what the job achieves now (rows/s over the last minute). */
  rate: z.object({
    limit_per_second: z.number(),
    concurrency: z.int(),
    /** Lowered after a 429 or 503, back up to the limit as answers come: null while nothing is sent. */
    current_per_second: z.nullable(z.number()),
  }),
  /** Seconds left at the current pace (checking or sending); null when unknown or not running. */
  eta_seconds: z.nullable(z.number()),
  pause_reason: z.nullable(pauseReasonSchema),
});
export type BulkJob = z.infer<typeof bulkJobSchema>;

/** GET /api/bulk/jobs: the latest jobs (newest first) of the environments the account may use. */
export const bulkJobListSchema = z.object({ jobs: z.array(bulkJobSchema) });

/**
 * POST /api/bulk/jobs/{id}/start: the count of rows to send, as the summary showed it (the
 * person confirms what they saw; in production an admin types it). Refused unless it equals
 * `counts.ready`.
 */
export const bulkStartRequestSchema = z.strictObject({ count: z.int().check(z.nonnegative()) });
export type BulkStartRequest = z.infer<typeof bulkStartRequestSchema>;

/** The routes' paths, for the SPA's API layer and the server. */
export const BULK_PATHS = {
  create: (environment: string) => `/api/${environment}/bulk/jobs`,
  list: '/api/bulk/jobs',
  job: (id: string) => `/api/bulk/jobs/${encodeURIComponent(id)}`,
  action: (id: string, action: 'start' | 'pause' | 'resume' | 'cancel') => `/api/bulk/jobs/${encodeURIComponent(id)}/${action}`,
  problemsCsv: (id: string) => `/api/bulk/jobs/${encodeURIComponent(id)}/problems.csv`,
  resultsCsv: (id: string) => `/api/bulk/jobs/${encodeURIComponent(id)}/results.csv`,
} as const;
