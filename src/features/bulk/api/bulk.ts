import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { BULK_PATHS, bulkJobListSchema, bulkJobSchema } from '../../../../contract/bulk.ts';
import type { BulkJob, BulkJobStatus, BulkStartRequest } from '../../../../contract/bulk.ts';
import { apiRequest } from '../../../api/client.ts';

/** BULK_PATHS name the whole address; the client adds `/api` itself. */
const apiPath = (path: string) => path.replace(/^\/api/, '');

/** While the server works on a job, its page asks again this often; after that, never. */
const POLL_MS = 1500;
const WORKING: readonly BulkJobStatus[] = ['checking', 'queued', 'running'];

/** How long after its cancellation a job's rows left without an answer may still be looked up by the server (a minute, and some). */
const SETTLING_MS = 2 * 60_000;

/**
 * Whether the server is still changing the job by itself: checking or sending it, or, just
 * cancelled, looking up the rows whose answer was lost.
 */
const isWorking = (job: BulkJob | undefined): boolean =>
  job !== undefined &&
  (WORKING.includes(job.status) ||
    (job.status === 'cancelled' &&
      job.counts.remaining > 0 &&
      job.finished_at !== null &&
      Date.now() - Date.parse(job.finished_at) < SETTLING_MS));

/**
 * The bulk page's queries. A job's id is no personal data (it may sit in the address); what a
 * job holds comes back masked (CPFs as `***.456.789-**`).
 */
export const bulkQueries = {
  all: () => ['bulk'] as const,
  list: () =>
    queryOptions({
      queryKey: [...bulkQueries.all(), 'jobs'] as const,
      queryFn: ({ signal }) => apiRequest(apiPath(BULK_PATHS.list), bulkJobListSchema, { signal }),
      // Someone who closed the tab comes back to find a running job moving: asked again while one is.
      refetchInterval: (query) => (query.state.data?.jobs.some(isWorking) === true ? POLL_MS * 4 : false),
      staleTime: 0,
    }),
  job: (id: string) =>
    queryOptions({
      queryKey: [...bulkQueries.all(), 'jobs', id] as const,
      queryFn: ({ signal }) => apiRequest(apiPath(BULK_PATHS.job(id)), bulkJobSchema, { signal }),
      refetchInterval: (query) => (isWorking(query.state.data) ? POLL_MS : false),
      staleTime: 0,
    }),
};

export type BulkAction = 'pause' | 'resume' | 'cancel';

/** Start (naming the count of rows to send, as the summary showed it), pause, resume or cancel: the job as it is now. */
export const startJob = (id: string) =>
  mutationOptions({
    mutationKey: ['bulk', 'start', id],
    mutationFn: (request: BulkStartRequest) =>
      apiRequest(apiPath(BULK_PATHS.action(id, 'start')), bulkJobSchema, { method: 'POST', body: request }),
  });

export const actOnJob = (id: string) =>
  mutationOptions({
    mutationKey: ['bulk', 'action', id],
    mutationFn: (action: BulkAction) => apiRequest(apiPath(BULK_PATHS.action(id, action)), bulkJobSchema, { method: 'POST' }),
  });
