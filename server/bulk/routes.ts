import { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { mayUse } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import type { AuditAction } from '../../contract/access-admin.ts';
import { BULK_MAX_ROWS, BULK_MAX_UPLOAD_BYTES, bulkStartRequestSchema } from '../../contract/bulk.ts';
import type { BulkJob } from '../../contract/bulk.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import type { AccessGuard } from '../access/guard.ts';
import type { NewAuditEntry } from '../access/store.ts';
import type { BulkPace } from '../config.ts';
import { Problem, methodNotAllowed, parseOrRefuse, requireBody } from '../lib/problem.ts';
import type { Environment } from '../routes/api.ts';
import { csvExport } from './exports.ts';
import { PACE_WINDOW_MS, jobJson, readyCount } from './job-json.ts';
import type { BulkStore, StoredJob, StoredJobStatus } from './store.ts';
import { receiveUpload } from './upload.ts';

/*
 * The bulk routes under /api (decision 013), inside its scope: sessions, the cross-site refusal,
 * the rate limit and the login apply as to every console call. Capability `bulk` (admins and
 * registrars), and only in the environments the account may use: another's job is not found.
 */

export interface BulkRoutesOptions {
  store: BulkStore;
  environments: readonly Environment[];
  guard: AccessGuard;
  pace: Record<EnvironmentName, BulkPace>;
  /** The uploads this process is reading (shared with the runner). */
  uploading: Set<string>;
}

/** Jobs GET /api/bulk/jobs lists. */
const LIST_LIMIT = 50;
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = () =>
  new Problem(
    404,
    'bulk_job_not_found',
    'No bulk job has this id among the environments this account may use. Check the address, or open the list of jobs.',
  );

const STATE_TEXT: Record<StoredJobStatus, string> = {
  uploading: 'still being uploaded',
  checking: 'still being checked',
  ready: 'ready to start',
  queued: 'queued behind another job',
  running: 'sending',
  paused: 'paused',
  done: 'done',
  cancelled: 'cancelled',
};

export const bulkRoutes: FastifyPluginAsync<BulkRoutesOptions> = async (app, options) => {
  const { store, guard, uploading } = options;
  const byName = new Map(options.environments.map((environment) => [environment.name, environment]));

  const answer = (job: StoredJob): Promise<BulkJob> => jobJson(store, job, options.pace[job.environment]);

  /** The job named in the path, if this account may see it; else 404 (whether it exists elsewhere is not said). */
  const jobOf = async (request: FastifyRequest): Promise<{ account: Account; job: StoredJob }> => {
    const account = guard.require(request, 'bulk');
    const { id } = request.params as { id: string };
    const job = JOB_ID.test(id) ? await store.getJob(id.toLowerCase()) : undefined;
    if (job === undefined || job.status === 'uploading' || !mayUse(account, job.environment)) throw notFound();
    return { account, job };
  };

  const entry = (request: FastifyRequest, account: Account, job: StoredJob, action: AuditAction, outcome: string): NewAuditEntry => ({
    actor: account.name,
    action,
    environment: job.environment,
    outcome,
    status: 200,
    address: request.ip,
    bulkJob: job.id,
  });

  const invalidState = (job: StoredJob, what: string, when: string) =>
    new Problem(
      409,
      'invalid_job_state',
      `The job is ${STATE_TEXT[job.status]}: it can be ${what} only ${when}. Reload it to see where it is.`,
    );

  // The upload alone reads multipart bodies (its own scope); every other /api route stays JSON only.
  await app.register(async (upload) => {
    await upload.register(fastifyMultipart, {
      preservePath: true,
      limits: { fileSize: BULK_MAX_UPLOAD_BYTES, files: BULK_MAX_ROWS + 1_000, parts: BULK_MAX_ROWS + 1_010, fields: 10, fieldSize: 1024 },
    });
    upload.post('/:env/bulk/jobs', { bodyLimit: BULK_MAX_UPLOAD_BYTES, config: { longBody: true } }, async (request, reply) => {
      const account = guard.require(request, 'bulk');
      const { env } = request.params as { env: string };
      const environment = byName.get(env as EnvironmentName);
      if (environment === undefined) {
        const names = options.environments.map((e) => e.name).join(', ') || 'none';
        throw new Problem(
          404,
          'environment_not_found',
          `The environment "${env}" is not configured on this console. Configured: ${names}.`,
        );
      }
      guard.require(request, 'bulk', environment.name);
      const { id, rows } = await receiveUpload(request, {
        store,
        environment: environment.name,
        createdBy: account.name,
        needsAdminConfirmation: environment.name === 'production',
        uploading,
      });
      await guard.audit(request, {
        action: 'bulk_job_created',
        environment: environment.name,
        outcome: `rows:${String(rows)}`,
        status: 201,
        bulkJob: id,
      });
      const job = await store.getJob(id);
      if (job === undefined) throw notFound();
      return reply.code(201).send(await answer(job));
    });
    methodNotAllowed(upload, '/:env/bulk/jobs', ['POST']);
  });

  app.get('/bulk/jobs', async (request) => {
    const account = guard.require(request, 'bulk');
    const usable = options.environments.map((e) => e.name).filter((name) => mayUse(account, name));
    const jobs = usable.length === 0 ? [] : await store.listJobs(usable, LIST_LIMIT);
    return { jobs: await Promise.all(jobs.map(answer)) };
  });
  methodNotAllowed(app, '/bulk/jobs', ['GET']);

  app.get('/bulk/jobs/:id', async (request) => answer((await jobOf(request)).job));
  methodNotAllowed(app, '/bulk/jobs/:id', ['GET']);

  app.post('/bulk/jobs/:id/start', async (request) => {
    const { account, job } = await jobOf(request);
    const { count } = parseOrRefuse(bulkStartRequestSchema, requireBody(request));
    if (job.needsAdminConfirmation && account.role !== 'admin') {
      throw new Problem(
        403,
        'admin_confirmation_required',
        `A job in ${job.environment} is started only by an administrator, who confirms the count of rows to send. Ask an administrator to start it.`,
      );
    }
    if (job.status !== 'ready') throw invalidState(job, 'started', 'once its check is over (ready)');
    const ready = readyCount(await store.counts(job.id, PACE_WINDOW_MS));
    if (count !== ready) {
      throw new Problem(
        409,
        'count_mismatch',
        `The job has ${String(ready)} rows ready to send, not ${String(count)}. Check the summary again and confirm ${String(ready)}.`,
      );
    }
    const started = await store.transition(
      job.id,
      ['ready'],
      'queued',
      { startedBy: account.name },
      entry(request, account, job, 'bulk_job_started', `count:${String(ready)}`),
    );
    if (!started) throw invalidState((await store.getJob(job.id)) ?? job, 'started', 'once its check is over (ready)');
    return answer((await store.getJob(job.id)) ?? job);
  });

  /** pause, resume and cancel: a compare-and-set of the status, audited with it. */
  const change = (
    path: 'pause' | 'resume' | 'cancel',
    from: readonly StoredJobStatus[],
    to: StoredJobStatus | ((job: StoredJob) => Promise<StoredJobStatus>),
    action: AuditAction,
    what: string,
    when: string,
  ) => {
    app.post(`/bulk/jobs/:id/${path}`, async (request) => {
      const { account, job } = await jobOf(request);
      const invalid = (current: StoredJob) => invalidState(current, what, when);
      if (!from.includes(job.status)) throw invalid(job);
      // A person's pause or resume clears the reason the console paused it for.
      const changed = await store.transition(
        job.id,
        from,
        typeof to === 'function' ? await to(job) : to,
        { pauseReason: null },
        entry(request, account, job, action, `from:${job.status}`),
      );
      if (!changed) throw invalid((await store.getJob(job.id)) ?? job);
      if (to === 'cancelled') await store.cancelRemaining(job.id);
      return answer((await store.getJob(job.id)) ?? job);
    });
    methodNotAllowed(app, `/bulk/jobs/:id/${path}`, ['POST']);
  };
  change('pause', ['queued', 'running'], 'paused', 'bulk_job_paused', 'paused', 'while queued or sending');
  // Rows still to check: the console paused the job while checking it (a job is `ready` only once
  // none is left), and it was never started: it goes on checking. Else it queues behind the job
  // that may have started meanwhile in its environment.
  const resumed = async (job: StoredJob): Promise<StoredJobStatus> =>
    ((await store.counts(job.id, PACE_WINDOW_MS)).byStatus.pending ?? 0) > 0 ? 'checking' : 'queued';
  change('resume', ['paused'], resumed, 'bulk_job_resumed', 'resumed', 'while paused');
  change('cancel', ['checking', 'ready', 'queued', 'running', 'paused'], 'cancelled', 'bulk_job_cancelled', 'cancelled', 'before it ends');
  methodNotAllowed(app, '/bulk/jobs/:id/start', ['POST']);

  for (const kind of ['problems', 'results'] as const) {
    app.get(`/bulk/jobs/:id/${kind}.csv`, async (request, reply) => {
      const { job } = await jobOf(request);
      const read = kind === 'problems' ? store.problemRows.bind(store, job.id) : store.rows.bind(store, job.id);
      const text = await csvExport(kind, read, { cancelled: job.status === 'cancelled' });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="bulk-${job.id}-${kind}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(text, { objectMode: false }));
    });
    methodNotAllowed(app, `/bulk/jobs/:id/${kind}.csv`, ['GET']);
  }
};
