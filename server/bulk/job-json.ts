import type { BulkJob, BulkProblem, BulkProblemRow, BulkRowStatus } from '../../contract/bulk.ts';
import type { BulkPace } from '../config.ts';
import type { BulkStore, JobCounts, StoredJob, StoredRow } from './store.ts';
import { shownCpf } from './store.ts';

/** The problem rows the job's JSON lists (the whole list is problems.csv). */
const PROBLEM_SAMPLE = 20;
/** The window of the pace now: rows checked or sent in the last minute. */
export const PACE_WINDOW_MS = 60_000;

const count = (counts: JobCounts, ...statuses: BulkRowStatus[]) =>
  statuses.reduce((sum, status) => sum + (counts.byStatus[status] ?? 0), 0);

/** Rows that passed the check (sent or to be sent): what a person confirms when starting the job. */
export function readyCount(counts: JobCounts): number {
  return count(counts, 'ready', 'sending', 'registered', 'refused', 'not_sent');
}

function problemRowJson(row: StoredRow): BulkProblemRow | undefined {
  if (row.problem === null) return undefined;
  return {
    row: row.row,
    cpf_masked: shownCpf(row.cpf),
    file: row.file,
    problem: row.problem,
    image_status: row.imageStatus,
    description: row.description ?? '',
  };
}

/**
 * Seconds left at the pace of the last minute (or of the time since the work began, when that is
 * shorter: a job sending for 10 s has not had a minute to count).
 */
function eta(job: StoredJob, counts: JobCounts, now: number): number | null {
  const [left, done, since] =
    job.status === 'checking'
      ? [count(counts, 'pending'), counts.checkedRecently, job.createdAt]
      : job.status === 'running'
        ? [count(counts, 'ready', 'sending'), counts.sentRecently, job.startedAt ?? job.createdAt]
        : [0, 0, null];
  if (since === null || done === 0) return null;
  const windowSeconds = Math.max(1, Math.min(PACE_WINDOW_MS, now - Date.parse(since)) / 1000);
  return Math.ceil(left / (done / windowSeconds));
}

/** A stored job as the contract's bulkJobSchema. */
export async function jobJson(store: BulkStore, job: StoredJob, pace: BulkPace, now = Date.now()): Promise<BulkJob> {
  const [counts, problems] = await Promise.all([store.counts(job.id, PACE_WINDOW_MS), store.problemRows(job.id, 0, PROBLEM_SAMPLE)]);
  const problemCounts: Partial<Record<BulkProblem, number>> = {};
  for (const [problem, rows] of Object.entries(counts.byProblem) as [BulkProblem, number][]) if (rows > 0) problemCounts[problem] = rows;
  return {
    id: job.id,
    environment: job.environment,
    // Never `uploading`: such a job is not found (routes.ts).
    status: job.status === 'uploading' ? 'checking' : job.status,
    source_name: job.sourceName,
    created_at: job.createdAt,
    created_by: job.createdBy,
    started_by: job.startedBy,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    needs_admin_confirmation: job.needsAdminConfirmation,
    counts: {
      total: counts.total,
      checked: counts.total - count(counts, 'pending'),
      ready: readyCount(counts),
      problems: count(counts, 'problem'),
      already_registered: count(counts, 'already_registered'),
      registered: count(counts, 'registered'),
      refused: count(counts, 'refused'),
      remaining: count(counts, 'ready', 'sending'),
      not_sent: count(counts, 'not_sent'),
    },
    problem_counts: problemCounts,
    problem_sample: problems.flatMap((row) => problemRowJson(row) ?? []),
    rate: {
      limit_per_second: pace.rate,
      concurrency: pace.concurrency,
      current_per_second: counts.sentRecently === 0 ? null : counts.sentRecently / (PACE_WINDOW_MS / 1000),
    },
    eta_seconds: eta(job, counts, now),
    pause_reason: job.pauseReason,
  };
}
