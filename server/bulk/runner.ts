import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { EnvironmentName } from '../../contract/console.ts';
import type { BulkPace } from '../config.ts';
import type { FaceCheck } from '../emulator/image-check.ts';
import type { Environment } from '../routes/api.ts';
import { checkJob } from './check.ts';
import { Pacer, realClock } from './pacing.ts';
import type { Clock } from './pacing.ts';
import { sendJob, settleCancelled } from './send.ts';
import type { BulkStore, StoredJob } from './store.ts';
import { BULK_ACTOR } from './work.ts';
import type { WorkContext } from './work.ts';

/*
 * The bulk jobs' worker in the server process (decision 013): every tick it asks the store for work
 * (a `checking` job to check, a `running` one to send, a `queued` one made `running`, or a
 * `cancelled` one whose rows left `sending` are to be looked up), leased to this instance and
 * renewed while it works, so a crashed instance's job is taken over once its lease lapses. It also
 * expires what was left behind: uploads cut off, jobs untouched for 72 hours.
 */

const LEASE_MS = 15_000;
const RENEW_MS = 5_000;
const TICK_MS = 1_000;
const EXPIRY_EVERY_MS = 3_600_000;
/** An upload still `uploading` after this was cut off (its process stopped). */
const ABANDONED_UPLOAD_MS = 10 * 60_000;
/** A job left `ready` or `paused` this long is cancelled, its photos deleted. */
const STALE_JOB_MS = 72 * 3_600_000;

export interface BulkRunnerOptions {
  store: BulkStore;
  environments: readonly Environment[];
  pace: Record<EnvironmentName, BulkPace>;
  faceCheck: FaceCheck;
  log: FastifyBaseLogger;
  /** Uploads being read by this process: not abandoned, however long they take. */
  uploading: ReadonlySet<string>;
  /** Tests: a shorter tick, lease and renewal. */
  tickMs?: number;
  leaseMs?: number;
  renewMs?: number;
  clock?: Clock;
}

export interface BulkRunner {
  start(): void;
  /** Stops starting calls, waits for those in flight to be recorded, and gives the lease back. */
  stop(): Promise<void>;
  /** The pace of an environment's calls in this process. */
  pacer(environment: EnvironmentName): Pacer;
}

export function bulkRunner(options: BulkRunnerOptions): BulkRunner {
  const { store, log } = options;
  const clock = options.clock ?? realClock;
  const tickMs = options.tickMs ?? TICK_MS;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const renewMs = options.renewMs ?? RENEW_MS;
  const instance = randomUUID();
  const stopping = new AbortController();
  const pacers = new Map<EnvironmentName, Pacer>();
  const pacer = (environment: EnvironmentName): Pacer => {
    let found = pacers.get(environment);
    if (found === undefined) {
      found = new Pacer(options.pace[environment]);
      pacers.set(environment, found);
    }
    return found;
  };
  let loop: Promise<void> | undefined;

  const expire = async () => {
    try {
      for (const id of await store.abandonedUploads(ABANDONED_UPLOAD_MS)) {
        if (!options.uploading.has(id)) await store.deleteJob(id);
      }
      for (const id of await store.staleJobs(STALE_JOB_MS)) {
        const job = await store.getJob(id);
        if (job === undefined) continue;
        const cancelled = await store.transition(id, ['ready', 'paused'], 'cancelled', undefined, {
          actor: BULK_ACTOR,
          action: 'bulk_job_cancelled',
          environment: job.environment,
          outcome: 'expired',
          status: 0,
          address: null,
          bulkJob: id,
        });
        if (cancelled) await store.cancelRemaining(id);
      }
    } catch (error) {
      log.error({ err: error }, 'bulk jobs: expiry failed; it runs again within the hour');
    }
  };

  const work = async (job: StoredJob) => {
    const lease = new AbortController();
    const stop = () => {
      lease.abort();
    };
    // A job claimed while the server began to close: its work starts nothing (the event has passed).
    if (stopping.signal.aborted) lease.abort();
    else stopping.signal.addEventListener('abort', stop, { once: true });
    const renewal = setInterval(() => {
      store.renewLease(job.id, instance, leaseMs).then(
        (kept) => {
          if (!kept) {
            log.warn({ bulkJob: job.id }, 'bulk jobs: the lease was lost; another instance works on the job');
            lease.abort();
          }
        },
        (error: unknown) => {
          log.error({ err: error, bulkJob: job.id }, 'bulk jobs: the lease could not be renewed');
        },
      );
    }, renewMs);
    try {
      const environment = options.environments.find((e) => e.name === job.environment);
      if (environment === undefined && job.status === 'cancelled') {
        // Nothing can look its rows left sending up: their outcome stays unknown, their CPFs masked.
        log.warn(
          { bulkJob: job.id, environment: job.environment },
          "bulk jobs: the job's environment is not configured; rows stay unknown",
        );
        await store.forgetCpfs(job.id);
        return;
      }
      if (environment === undefined) {
        log.warn({ bulkJob: job.id, environment: job.environment }, "bulk jobs: the job's environment is not configured; it waits");
        await clock.sleep(60_000, lease.signal);
        return;
      }
      const context: WorkContext = {
        store,
        environment,
        pacer: pacer(environment.name),
        faceCheck: options.faceCheck,
        log,
        clock,
        signal: lease.signal,
      };
      if (job.status === 'checking') await checkJob(context, job);
      else if (job.status === 'running') await sendJob(context, job);
      else if (job.status === 'cancelled') await settleCancelled(context, job);
      else await clock.sleep(tickMs, lease.signal);
    } catch (error) {
      log.error({ err: error, bulkJob: job.id }, 'bulk jobs: the work on a job failed; it is tried again');
      await clock.sleep(tickMs, stopping.signal);
    } finally {
      clearInterval(renewal);
      stopping.signal.removeEventListener('abort', stop);
      await store.releaseLease(job.id, instance).catch((error: unknown) => {
        log.error({ err: error, bulkJob: job.id }, 'bulk jobs: the lease could not be given back; it lapses');
      });
    }
  };

  const run = async () => {
    await expire();
    let expired = clock.now();
    while (!stopping.signal.aborted) {
      if (clock.now() - expired >= EXPIRY_EVERY_MS) {
        expired = clock.now();
        await expire();
      }
      let job: StoredJob | undefined;
      try {
        job = await store.claimWork(instance, leaseMs);
      } catch (error) {
        log.error({ err: error }, 'bulk jobs: no work could be claimed');
      }
      // A job claimed as the server stops is still handed to work(), which starts nothing and gives the lease back.
      if (job === undefined) await clock.sleep(tickMs, stopping.signal);
      else await work(job);
    }
  };

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
    pacer,
  };
}
