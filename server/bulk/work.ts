import type { FastifyBaseLogger } from 'fastify';
import type { FaceCheck } from '../emulator/image-check.ts';
import type { Undecided } from './calls.ts';
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

/** The environment unreachable this long pauses the job for an administrator. */
const UNREACHABLE_PAUSE_MS = 60_000;

/**
 * The console pauses a job it is checking or sending itself (its key refused, its environment
 * unreachable), with the reason, audited. Only from the status the job was claimed in: a person's
 * cancel meanwhile stands.
 */
export async function pauseJob(store: BulkStore, job: StoredJob, reason: PauseReason): Promise<boolean> {
  return store.transition(
    job.id,
    [job.status],
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

/** Why the console paused a job (shown to people by its title; the description names what to check). */
interface PauseReason {
  title: 'upstream_key_refused' | 'upstream_unreachable';
  description: string;
}

export interface OutageWatch {
  /** An answer that decided something: the environment is reachable. */
  decided(): void;
  /** An answer that decided nothing: the reason to pause the job for, or undefined when it is waited out and asked again. */
  pauseFor(result: Undecided): PauseReason | undefined;
}

/**
 * What the check and the sending of a job both do with answers that decide nothing (decision 013):
 * what no retry mends (the environment refuses the console's key) pauses the job at once, and the
 * environment unreachable for a minute pauses it, each with the reason for an administrator; the
 * caller then stops starting calls and pauses the job (pauseJob). One per working of a job: a
 * restart counts the minute afresh.
 */
export function outageWatch(context: WorkContext): OutageWatch {
  const { environment, clock } = context;
  let unreachableSince: number | undefined;
  return {
    decided() {
      unreachableSince = undefined;
    },
    pauseFor(result) {
      if (result.keyRefused) {
        return {
          title: 'upstream_key_refused',
          description: `The ${environment.name} face recognition service refused this console's API key (${result.reason}). The console's administrator must check ${environment.settings.key}, then resume the job.`,
        };
      }
      if (!result.unreachable) {
        unreachableSince = undefined;
        return undefined;
      }
      unreachableSince ??= clock.now();
      if (clock.now() - unreachableSince < UNREACHABLE_PAUSE_MS) return undefined;
      const where = environment.settings.url === undefined ? 'the network' : `the network and ${environment.settings.url}`;
      return {
        title: 'upstream_unreachable',
        description: `The ${environment.name} face recognition service could not be reached for over a minute. The console's administrator should check ${where}, then resume the job.`,
      };
    },
  };
}
