import { describe, expect, it } from 'vitest';
import type { BulkJob } from '../../contract/bulk.ts';
import { cpfDigits, maskCpf } from '../../contract/cpf.ts';
import { openAccessStore } from '../access/open-store.ts';
import { action, auditEntries, bulkApp, cpfs, csvOf, fakeQiTech, photo, upload, waitForJob, zipOf } from './bulk-support.ts';
import type { BulkApp, FakeQiTech } from './bulk-support.ts';

/*
 * Sending against a QI Tech on loopback that misbehaves as the test says: 429 and 503 slow the job
 * down, a lost answer is looked up rather than sent again, a refused key pauses the job, and a
 * restart resumes it without sending any row twice.
 */

const DAY = '2024-05-31';
const masked = (cpf: string) => maskCpf(cpfDigits(cpf) ?? '');

async function readyJob(bulk: BulkApp, list: string[]): Promise<BulkJob> {
  const files: Record<string, Buffer | string> = { 'l.csv': csvOf(list.map((cpf, i) => [cpf, `${String(i)}.jpg`, 'v1', DAY])) };
  for (const [i] of list.entries()) files[`${String(i)}.jpg`] = await photo(200 + i);
  const response = await upload(bulk, 'sandbox', [{ field: 'zip', filename: 'l.zip', content: zipOf(files) }]);
  expect(response.statusCode, response.body).toBe(201);
  const { id } = response.json<BulkJob>();
  return waitForJob(bulk, id, (j) => j.status === 'ready');
}

async function run(bulk: BulkApp, job: BulkJob): Promise<BulkJob> {
  const started = await action(bulk, job.id, 'start', { count: job.counts.ready });
  expect(started.statusCode, started.body).toBe(200);
  return waitForJob(bulk, job.id, (j) => j.status === 'done' || j.status === 'paused');
}

function sandboxApp(fake: FakeQiTech, more: Parameters<typeof bulkApp>[0] = {}) {
  return bulkApp({ sandbox: { url: fake.url, apiKey: 'sandbox-key' }, upstreamTimeoutMs: 400, ...more });
}

describe('bulk sending against a QI Tech that misbehaves', () => {
  it('sends a 429 again without a look-up, looks a 503 up before sending it again, and keeps a refusal', async () => {
    const fake = await fakeQiTech();
    const [throttled, unavailable, refused, fine] = cpfs(4) as [string, string, string, string];
    const times: number[] = [];
    fake.onPost = (cpf, nth) => {
      times.push(Date.now());
      if (cpf === masked(throttled) && nth === 0)
        return { status: 429, body: { title: 'too_many_requests', description: 'slow down', retry_after_seconds: 0.3 } };
      if (cpf === masked(unavailable) && nth === 0)
        return { status: 503, body: { title: 'unavailable', description: 'later', retry_after_seconds: 0.3 } };
      if (cpf === masked(refused))
        return { status: 400, body: { title: 'image_quality', description: 'No face was found.', image_status: 'no_face' } };
      return 'register';
    };
    const bulk = await sandboxApp(fake, {
      bulkPace: { local: { rate: 100, concurrency: 1 }, sandbox: { rate: 100, concurrency: 1 }, production: { rate: 100, concurrency: 1 } },
    });
    const job = await readyJob(bulk, [throttled, unavailable, refused, fine]);
    const getsBefore = fake.gets;
    const done = await run(bulk, job);
    expect(done).toMatchObject({ status: 'done', counts: { registered: 3, refused: 1, remaining: 0 } });
    // Each registered once; the 429 and the 503 were sent twice, the others once.
    for (const cpf of [throttled, unavailable, fine]) expect(fake.registrations.get(masked(cpf))).toHaveLength(1);
    expect(fake.posts.filter((c) => c === masked(throttled))).toHaveLength(2);
    expect(fake.posts.filter((c) => c === masked(unavailable))).toHaveLength(2);
    expect(fake.posts.filter((c) => c === masked(refused))).toHaveLength(1);
    // Only the 503's row was looked up (a 429 processed nothing).
    expect(fake.gets - getsBefore).toBe(1);
    // The call after each slow-down waited for what the answer asked.
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(280);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(280);
    const refusal = (await auditEntries(bulk, 'register')).find((e) => e.outcome === 'image_quality');
    expect(refusal).toMatchObject({ status: 400, bulk_job: job.id, registration_key: null });
    const results = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${job.id}/results.csv` });
    expect(results.body).toMatch(/;recusado;;image_quality;no_face;No face was found\./);
  });

  it('looks a lost answer (a timeout) up, and does not send it again', async () => {
    const fake = await fakeQiTech();
    const [lost, other] = cpfs(2) as [string, string];
    fake.onPost = (cpf, nth) => (cpf === masked(lost) && nth === 0 ? 'register_silently' : 'register');
    const bulk = await sandboxApp(fake);
    const job = await readyJob(bulk, [lost, other]);
    const done = await run(bulk, job);
    expect(done).toMatchObject({ status: 'done', counts: { registered: 2 } });
    expect(fake.posts.filter((c) => c === masked(lost))).toHaveLength(1);
    const entries = (await auditEntries(bulk, 'register')).filter((e) => e.bulk_job === job.id);
    expect(entries).toHaveLength(2);
    const key = fake.registrations.get(masked(lost))?.[0];
    expect(entries.find((e) => e.registration_key === key)).toMatchObject({ outcome: 'ok', status: 200 });
  });

  it('pauses for an administrator when the key is refused, and goes on when resumed', async () => {
    const fake = await fakeQiTech();
    fake.onPost = () => ({ status: 401, body: { title: 'unauthorized', description: 'bad key' } });
    const bulk = await sandboxApp(fake);
    const list = cpfs(3);
    const job = await readyJob(bulk, list);
    const paused = await run(bulk, job);
    expect(paused).toMatchObject({ status: 'paused', counts: { registered: 0, remaining: 3 } });
    expect(paused.pause_reason?.title).toBe('upstream_key_refused');
    expect(paused.pause_reason?.description).toContain('QITECH_SANDBOX_API_KEY');
    fake.onPost = () => 'register';
    expect((await action(bulk, job.id, 'resume')).json<BulkJob>()).toMatchObject({ status: 'queued', pause_reason: null });
    const done = await waitForJob(bulk, job.id, (j) => j.status === 'done');
    expect(done.counts.registered).toBe(3);
    expect(new Set(fake.posts.slice(1)).size).toBe(3);
  });

  it('resumes after a restart where it stopped, without sending any row twice', async () => {
    const fake = await fakeQiTech();
    fake.delayMs = 40;
    const pace = {
      local: { rate: 100, concurrency: 1 },
      sandbox: { rate: 100, concurrency: 1 },
      production: { rate: 100, concurrency: 1 },
    };
    const first = await sandboxApp(fake, { bulkPace: pace });
    const list = cpfs(10);
    const job = await readyJob(first, list);
    expect((await action(first, job.id, 'start', { count: 10 })).statusCode).toBe(200);
    await waitForJob(first, job.id, (j) => j.counts.registered >= 3);
    await first.app.close();
    const after = fake.posts.length;
    expect(after).toBeLessThan(10);

    // As if the process had died mid-call: one ready row left `sending`, and QI Tech had registered it.
    const store = await openAccessStore(first.config);
    const [row] = await store.bulk().readyRows(job.id, 1);
    expect(row).toBeDefined();
    const crashed = masked(row?.cpf ?? '');
    await store.bulk().markSending(job.id, row?.row ?? 0);
    fake.registrations.set(crashed, ['5d3e9c1a-7b2f-4c4e-9a61-0c2b8f1e4d77']);
    await store.close();

    const second = await sandboxApp(fake, { bulkPace: pace, dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl });
    const done = await waitForJob(second, job.id, (j) => j.status === 'done', 'the job after the restart');
    expect(done.counts).toMatchObject({ registered: 10, remaining: 0 });
    // Every CPF posted once, but the one found registered, which was never posted.
    expect(fake.posts.filter((c) => c === crashed)).toHaveLength(0);
    expect(new Set(fake.posts).size).toBe(fake.posts.length);
    expect(fake.posts).toHaveLength(9);
    for (const cpf of list) expect(fake.registrations.get(masked(cpf))).toHaveLength(1);
    const entries = (await auditEntries(second, 'register')).filter((e) => e.bulk_job === job.id);
    expect(entries).toHaveLength(10);
    expect(entries.find((e) => e.registration_key === '5d3e9c1a-7b2f-4c4e-9a61-0c2b8f1e4d77')).toMatchObject({
      status: 200,
      outcome: 'ok',
    });
  });
});
