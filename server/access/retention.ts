import type { FastifyBaseLogger } from 'fastify';
import type { AccessStore } from './store.ts';

/** How often the retention job runs, after its run at start. */
const AUDIT_RETENTION_INTERVAL_MS = 24 * 3_600_000;

export interface AuditRetentionJob {
  /** Runs once now, then every `intervalMs` (an unref'd timer: it never keeps the process alive). */
  start(): void;
  /** Clears the timer and stops a run in progress after its current batch; resolves when it has. */
  stop(): Promise<void>;
  /** One run now (none if one is in progress: its promise instead). */
  run(): Promise<void>;
}

/**
 * The audit trail's retention (AUDIT_RETENTION_DAYS, decision 011): in the server process, at start
 * and then daily, the entries older than the period are deleted in batches, each batch recorded by
 * its own `audit_pruned` entry (AccessStore.pruneAudit). A failed run is logged; the next one goes
 * on where it stopped.
 */
export function auditRetentionJob(
  store: AccessStore,
  { days, log, intervalMs = AUDIT_RETENTION_INTERVAL_MS }: { days: number; log: FastifyBaseLogger; intervalMs?: number },
): AuditRetentionJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const stopping = new AbortController();

  const run = (): Promise<void> => {
    if (stopping.signal.aborted) return Promise.resolve();
    running ??= (async () => {
      try {
        const { deleted, cutoff, batches } = await store.pruneAudit(days, { signal: stopping.signal });
        log.info(
          { deleted, cutoff, batches, retentionDays: days },
          `audit retention: ${String(deleted)} entries older than ${cutoff} deleted`,
        );
      } catch (error) {
        log.error({ err: error }, 'audit retention: the run failed; the next one tries again');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return {
    start() {
      if (timer !== undefined || stopping.signal.aborted) return;
      void run();
      timer = setInterval(() => void run(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
    run,
  };
}
