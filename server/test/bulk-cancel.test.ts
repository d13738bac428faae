import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import type { BulkJob } from '../../contract/bulk.ts';
import { cpfDigits, hideCpf, maskCpf } from '../../contract/cpf.ts';
import { accessDatabaseFile } from '../access/store.ts';
import { connectPostgres } from '../lib/postgres.ts';
import { action, auditEntries, bulkApp, cpfs, csvOf, fakeQiTech, photo, upload, waitForJob, zipOf } from './bulk-support.ts';
import type { BulkApp, FakeQiTech } from './bulk-support.ts';

/*
 * A job cancelled while rows are being sent, against a QI Tech on loopback: no row stays `sending`
 * without a word. An answer that arrives is kept with its audit entry; a row whose answer is lost
 * is looked up by CPF (registered if QI Tech has it, else not sent); one no look-up decides is
 * called unanswered in the results.
 */

const DAY = '2024-05-31';
const masked = (cpf: string) => maskCpf(cpfDigits(cpf) ?? '');
const one = { rate: 100, concurrency: 1 };
const two = { rate: 100, concurrency: 2 };

function sandboxApp(fake: FakeQiTech, pace = two): Promise<BulkApp> {
  return bulkApp({
    sandbox: { url: fake.url, apiKey: 'sandbox-key' },
    upstreamTimeoutMs: 400,
    bulkPace: { local: pace, sandbox: pace, production: pace },
  });
}

/** A job of these CPFs (rows 2…, in this order), checked and started. */
async function started(bulk: BulkApp, list: string[]): Promise<string> {
  const files: Record<string, Buffer | string> = { 'l.csv': csvOf(list.map((cpf, i) => [cpf, `${String(i)}.jpg`, 'v1', DAY])) };
  for (const [i] of list.entries()) files[`${String(i)}.jpg`] = await photo(500 + i);
  const response = await upload(bulk, 'sandbox', [{ field: 'zip', filename: 'l.zip', content: zipOf(files) }]);
  expect(response.statusCode, response.body).toBe(201);
  const { id } = response.json<BulkJob>();
  await waitForJob(bulk, id, (j) => j.status === 'ready');
  expect((await action(bulk, id, 'start', { count: list.length })).statusCode).toBe(200);
  return id;
}

async function cancel(bulk: BulkApp, id: string): Promise<BulkJob> {
  const response = await action(bulk, id, 'cancel');
  expect(response.statusCode, response.body).toBe(200);
  return response.json<BulkJob>();
}

/** results.csv's lines (header and BOM left out), each as its cells. */
async function results(bulk: BulkApp, id: string): Promise<string[][]> {
  const response = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${id}/results.csv` });
  expect(response.statusCode).toBe(200);
  return response.body
    .split('\r\n')
    .slice(1, -1)
    .map((line) => line.split(';'));
}

/** The CPF cells the job's rows hold now (direct SQL: the API shows them masked whatever they hold). */
async function storedCpfs({ config }: BulkApp, id: string): Promise<string[]> {
  if (config.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(config.dataDir), { readonly: true });
    try {
      return db.prepare<[string], string>('SELECT cpf FROM bulk_rows WHERE job_id = ? ORDER BY csv_row').pluck().all(id);
    } finally {
      db.close();
    }
  }
  const sql = connectPostgres(config.databaseUrl, { max: 1 });
  try {
    return (await sql<{ cpf: string }[]>`SELECT cpf FROM bulk_rows WHERE job_id = ${id} ORDER BY csv_row`).map((row) => row.cpf);
  } finally {
    await sql.end();
  }
}

const settled = (bulk: BulkApp, id: string) => waitForJob(bulk, id, (j) => j.counts.remaining === 0, 'the rows in flight');

describe('a job cancelled while rows are being sent', () => {
  it('keeps the answers that arrive after the cancellation, each with its audit entry', async () => {
    const fake = await fakeQiTech();
    fake.delayMs = 300;
    const [registered, refused, ...rest] = cpfs(4) as [string, string, string, string];
    fake.onPost = (cpf) =>
      cpf === masked(refused)
        ? { status: 400, body: { title: 'image_quality', description: 'No face was found.', image_status: 'no_face' } }
        : 'register';
    const bulk = await sandboxApp(fake);
    const id = await started(bulk, [registered, refused, ...rest]);
    await vi.waitFor(() => expect(fake.posts).toHaveLength(2), { timeout: 5_000 });
    expect(await cancel(bulk, id)).toMatchObject({ status: 'cancelled', counts: { not_sent: 2 } });

    const job = await settled(bulk, id);
    expect(job).toMatchObject({ status: 'cancelled', counts: { registered: 1, refused: 1, not_sent: 2, remaining: 0 } });
    expect(fake.posts).toHaveLength(2);
    const key = fake.registrations.get(masked(registered))?.[0];
    const entries = (await auditEntries(bulk, 'register')).filter((e) => e.bulk_job === id);
    expect(entries).toHaveLength(2);
    expect(entries.find((e) => e.outcome === 'ok')).toMatchObject({ registration_key: key, status: 201 });
    expect(entries.find((e) => e.outcome === 'image_quality')).toMatchObject({ registration_key: null, status: 400 });
    expect((await results(bulk, id)).map((cells) => cells.slice(3, 6))).toEqual([
      ['cadastrado', key, ''],
      ['recusado', '', 'image_quality'],
      ['não enviado', '', ''],
      ['não enviado', '', ''],
    ]);
  });

  it('looks up the rows whose answer was lost: registered if QI Tech has them, else not sent, and sends neither again', async () => {
    const fake = await fakeQiTech();
    fake.delayMs = 200;
    const [lost, failed, ...rest] = cpfs(4) as [string, string, string, string];
    // The first registers and never answers (a timeout); the second fails with a 500 and registers nothing.
    fake.onPost = (cpf) =>
      cpf === masked(lost) ? 'register_silently' : { status: 500, body: { title: 'internal_error', description: 'Something broke.' } };
    const bulk = await sandboxApp(fake);
    const id = await started(bulk, [lost, failed, ...rest]);
    await vi.waitFor(() => expect(fake.posts).toHaveLength(2), { timeout: 5_000 });
    const getsBefore = fake.gets;
    await cancel(bulk, id);

    const job = await settled(bulk, id);
    expect(job).toMatchObject({ status: 'cancelled', counts: { registered: 1, refused: 0, not_sent: 3, remaining: 0 } });
    expect(fake.gets - getsBefore).toBe(2);
    expect(fake.posts).toEqual([masked(lost), masked(failed)]);
    const key = fake.registrations.get(masked(lost))?.[0];
    const entries = (await auditEntries(bulk, 'register')).filter((e) => e.bulk_job === id);
    expect(entries).toEqual([expect.objectContaining({ registration_key: key, outcome: 'ok', status: 200 })]);
    expect((await results(bulk, id)).map((cells) => cells.slice(3, 5))).toEqual([
      ['cadastrado', key],
      ['não enviado', ''],
      ['não enviado', ''],
      ['não enviado', ''],
    ]);
    // Ended: the rows keep their CPFs masked only.
    expect(await storedCpfs(bulk, id)).toEqual([lost, failed, ...rest].map(hideCpf));
  });

  it('calls a row no look-up can decide unanswered, in the job and its results, and keeps no whole CPF', async () => {
    const fake = await fakeQiTech();
    const [lost, ...rest] = cpfs(3) as [string, string, string];
    fake.onPost = () => 'register_silently';
    const bulk = await sandboxApp(fake, one);
    const id = await started(bulk, [lost, ...rest]);
    await vi.waitFor(() => expect(fake.posts).toHaveLength(1), { timeout: 5_000 });
    // QI Tech refuses the console's key from now on: the look-up decides nothing.
    fake.onGet = () => ({ status: 401, body: { title: 'unauthorized', description: 'bad key' } });
    const getsBefore = fake.gets;
    await cancel(bulk, id);

    await vi.waitFor(() => expect(fake.gets).toBeGreaterThan(getsBefore), { timeout: 5_000 });
    // Given up on, the row keeps its CPF masked only, as the others.
    await vi.waitFor(async () => expect(await storedCpfs(bulk, id)).toEqual([lost, ...rest].map(hideCpf)), { timeout: 5_000 });
    const job = await waitForJob(bulk, id, (j) => j.status === 'cancelled');
    expect(job.counts).toMatchObject({ registered: 0, not_sent: 2, remaining: 1 });
    const [row] = await results(bulk, id);
    expect(row?.slice(3, 5)).toEqual(['sem resposta', '']);
    expect(row?.[7]).toMatch(/^Enviado à QI Tech antes do cancelamento, sem resposta.* consulte o CPF antes de enviá-lo de novo/);
    // Given up on: neither looked up nor sent again.
    const gets = fake.gets;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.gets).toBe(gets);
    expect(fake.posts).toHaveLength(1);
  });

  it('looks up a row left sending when the job is cancelled while paused', async () => {
    const fake = await fakeQiTech();
    const [lost, ...rest] = cpfs(3) as [string, string, string];
    // The first registers and never answers; then the key is refused: the job pauses, that row left sending.
    fake.onPost = (cpf) =>
      cpf === masked(lost) ? 'register_silently' : { status: 401, body: { title: 'unauthorized', description: 'bad key' } };
    const bulk = await sandboxApp(fake, one);
    const id = await started(bulk, [lost, ...rest]);
    const paused = await waitForJob(bulk, id, (j) => j.status === 'paused');
    expect(paused.counts).toMatchObject({ registered: 0, remaining: 3 });
    expect(await cancel(bulk, id)).toMatchObject({ status: 'cancelled' });

    const job = await settled(bulk, id);
    expect(job.counts).toMatchObject({ registered: 1, not_sent: 2, remaining: 0 });
    const key = fake.registrations.get(masked(lost))?.[0];
    const entries = (await auditEntries(bulk, 'register')).filter((e) => e.bulk_job === id);
    expect(entries).toEqual([expect.objectContaining({ registration_key: key, outcome: 'ok', status: 200 })]);
    expect(fake.posts.filter((cpf) => cpf === masked(lost))).toHaveLength(1);
  });
});
