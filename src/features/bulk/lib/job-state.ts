import type { BulkJob } from '../../../../contract/bulk.ts';

/**
 * Whether the console paused the job while checking it (its key refused, the environment
 * unreachable): rows are left to check, nothing was started, and resuming goes on checking.
 */
export const pausedWhileChecking = (job: BulkJob): boolean => job.status === 'paused' && job.counts.checked < job.counts.total;
