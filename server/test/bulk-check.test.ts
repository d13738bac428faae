import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { BulkJob } from '../../contract/bulk.ts';
import { realClock } from '../bulk/pacing.ts';
import type { Clock } from '../bulk/pacing.ts';
import { bulkRunner } from '../bulk/runner.ts';
import { httpUpstream } from '../lib/upstream.ts';
import type { Environment } from '../routes/api.ts';
import { openTestAccessStore } from './helper.ts';
import { action, auditEntries, bulkApp, cpfs, csvOf, fakeQiTech, photo, upload, waitForJob, zipOf } from './bulk-support.ts';

/*
 * The check of a job whose look-ups decide nothing that a retry would mend: the environment
 * refusing the console's key, or unreachable for a minute. The check pauses the job for an
 * administrator, as the sending does, and resumed it checks the rows left.
 */

const DAY = '2024-05-31';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a job whose check cannot look its CPFs up', () => {
  it('pauses for an administrator when the key is refused, and checks the rows left when resumed', async () => {
    const fake = await fakeQiTech();
    fake.onGet = () => ({ status: 401, body: { title: 'unauthorized', description: 'bad key' } });
    const bulk = await bulkApp({ sandbox: { url: fake.url, apiKey: 'sandbox-key' }, upstreamTimeoutMs: 400 });
    const list = cpfs(3);
    const files: Record<string, Buffer | string> = { 'l.csv': csvOf(list.map((cpf, i) => [cpf, `${String(i)}.jpg`, 'v1', DAY])) };
    for (const [i] of list.entries()) files[`${String(i)}.jpg`] = await photo(300 + i);
    const created = await upload(bulk, 'sandbox', [{ field: 'zip', filename: 'l.zip', content: zipOf(files) }]);
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<BulkJob>();

    const paused = await waitForJob(bulk, id, (j) => j.status !== 'checking', 'the check');
    expect(paused).toMatchObject({ status: 'paused', started_at: null, counts: { total: 3, checked: 0, ready: 0 } });
    expect(paused.pause_reason?.title).toBe('upstream_key_refused');
    expect(paused.pause_reason?.description).toContain('QITECH_SANDBOX_API_KEY');
    expect((await auditEntries(bulk, 'bulk_job_paused'))[0]).toMatchObject({
      actor: 'system:bulk',
      outcome: 'upstream_key_refused',
      bulk_job: id,
    });
    // Paused, it asks nothing more.
    const asked = fake.gets;
    await sleep(300);
    expect(fake.gets).toBe(asked);

    // The key mended: resumed, the job goes on checking (it was never started), then waits to be started.
    fake.onGet = () => 'answer';
    const resumed = await action(bulk, id, 'resume');
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json<BulkJob>()).toMatchObject({ status: 'checking', pause_reason: null });
    expect((await auditEntries(bulk, 'bulk_job_resumed'))[0]).toMatchObject({ actor: 'admin', outcome: 'from:paused', bulk_job: id });
    const ready = await waitForJob(bulk, id, (j) => j.status === 'ready', 'the check after the resumption');
    expect(ready.counts).toMatchObject({ checked: 3, ready: 3, problems: 0 });
    expect(fake.posts).toEqual([]);
    expect((await action(bulk, id, 'start', { count: 3 })).statusCode).toBe(200);
    const done = await waitForJob(bulk, id, (j) => j.status === 'done');
    expect(done.counts.registered).toBe(3);
  });

  it('pauses when the environment stays unreachable for a minute, not before', async () => {
    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const sandbox: Environment = {
      name: 'sandbox',
      synthetic: true,
      validation: false,
      upstream: httpUpstream({ url: `http://127.0.0.1:${String(port)}`, apiKey: 'sandbox-key', timeoutMs: 1_000 }),
      settings: { key: 'QITECH_SANDBOX_API_KEY', url: 'QITECH_SANDBOX_URL' },
    };

    const access = await openTestAccessStore();
    const store = access.bulk();
    const id = randomUUID();
    await store.createJob({ id, environment: 'sandbox', sourceName: 'l.csv', createdBy: 'admin', needsAdminConfirmation: false });
    const list = cpfs(2);
    for (const [i] of list.entries()) await store.putPhoto(id, `${String(i)}.jpg`, await photo(400 + i));
    await store.addRows(
      id,
      list.map((cpf, i) => ({
        row: i + 2,
        cpf,
        file: `${String(i)}.jpg`,
        consentTermVersion: 'v1',
        consentDate: DAY,
        photo: `${String(i)}.jpg`,
        status: 'pending' as const,
        problem: null,
        description: null,
      })),
    );
    await store.finishUpload(id);

    // The runner's time a hundred times the wall's: its minute passes in 0.6 s.
    const factor = 100;
    const began = Date.now();
    const clock: Clock = {
      now: () => began + (Date.now() - began) * factor,
      sleep: (ms, signal) => realClock.sleep(ms / factor, signal),
    };
    const pace = { rate: 100, concurrency: 1 };
    const runner = bulkRunner({
      store,
      environments: [sandbox],
      pace: { local: pace, sandbox: pace, production: pace },
      faceCheck: () => Promise.resolve(undefined),
      log: Fastify({ logger: false }).log,
      uploading: new Set(),
      clock,
      tickMs: 2_000,
    });
    onTestFinished(() => runner.stop());
    runner.start();

    // Half a minute unreachable: still checking, asking again.
    await sleep(300);
    expect((await store.getJob(id))?.status).toBe('checking');
    const deadline = Date.now() + 10_000;
    let job = await store.getJob(id);
    while (job?.status === 'checking' && Date.now() < deadline) {
      await sleep(10);
      job = await store.getJob(id);
    }
    expect(clock.now() - began).toBeGreaterThanOrEqual(60_000);
    expect(job).toMatchObject({ status: 'paused', pauseReason: { title: 'upstream_unreachable' } });
    expect(job?.pauseReason?.description).toContain('QITECH_SANDBOX_URL');
    expect((await store.counts(id, 60_000)).byStatus).toEqual({ pending: 2 });
    await runner.stop();
  });
});
