import type { FastifyBaseLogger } from 'fastify';
import type { FaceCheck } from '../emulator/image-check.ts';
import type { Environment } from '../routes/api.ts';
import type { Clock, Pacer } from './pacing.ts';
import type { BulkStore, StoredJob, StoredJobStatus } from './store.ts';

/** What the check and the sending of one job work with, under the runner's lease. */
export interface WorkContext {
  store: BulkStore;
  environment: Environment;
  pacer: Pacer;
  faceCheck: FaceCheck;
  log: FastifyBaseLogger;
  clock: Clock;
  /** Aborted when the server closes or the lease is lost: start nothing more. */
  signal: AbortSignal;
}

/** Who the audit trail names for what the console does to a job itself (no account has a colon in its name). */
export const BULK_ACTOR = 'system:bulk';

/** How often, at least, a working job's status is read again (a person paused or cancelled it). */
const STATUS_EVERY_MS = 1_000;

/** The job's status, read from the store at most once a second (`fresh`: now). */
export function statusReader(store: BulkStore, jobId: string, clock: Clock): (fresh?: boolean) => Promise<StoredJobStatus | undefined> {
  let read: { at: number; status: StoredJobStatus | undefined } | undefined;
  return async (fresh = false) => {
    const now = clock.now();
    if (fresh || read === undefined || now - read.at >= STATUS_EVERY_MS) {
      read = { at: now, status: (await store.getJob(jobId))?.status };
    }
    return read.status;
  };
}

/** The console pauses a running job itself (its key refused, its environment unreachable), with the reason, audited. */
export async function pauseJob(store: BulkStore, job: StoredJob, reason: { title: string; description: string }): Promise<boolean> {
  return store.transition(
    job.id,
    ['running'],
    'paused',
    { pauseReason: reason },
    {
      actor: BULK_ACTOR,
      action: 'bulk_job_paused',
      environment: job.environment,
      outcome: reason.title,
      status: 0,
      address: null,
      bulkJob: job.id,
    },
  );
}
