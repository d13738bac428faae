import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hideCpf } from '../../contract/cpf.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { openAccessStore } from '../access/open-store.ts';
import { accessDatabaseFile } from '../access/store.ts';
import type { AccessStore, NewAuditEntry } from '../access/store.ts';
import type { BulkStore, NewRow } from '../bulk/store.ts';
import { connectPostgres } from '../lib/postgres.ts';
import type { DataLocation } from './helper.ts';
import { CPF_A, CPF_B, openTestAccessStore, testDataLocation } from './helper.ts';

/*
 * The bulk store (decision 013) on the console's database of either project: SQLite (`server`) or
 * PostgreSQL (`server-pg`, a schema per test). Every method as the upload, the check, the runner
 * and the routes rely on it.
 */

interface Opened {
  location: DataLocation;
  store: AccessStore;
  bulk: BulkStore;
}

async function openBulk(): Promise<Opened> {
  const location = await testDataLocation();
  const store = await openTestAccessStore(location);
  return { location, store, bulk: store.bulk() };
}

/** The names of a job's photos as the database holds them (direct SQL: no method lists them). */
async function photoNames(location: DataLocation, jobId: string): Promise<string[]> {
  if (location.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(location.dataDir), { readonly: true });
    try {
      return db.prepare<[string], string>('SELECT name FROM bulk_photos WHERE job_id = ? ORDER BY name').pluck().all(jobId);
    } finally {
      db.close();
    }
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  try {
    return (await sql<{ name: string }[]>`SELECT name FROM bulk_photos WHERE job_id = ${jobId} ORDER BY name`).map((row) => row.name);
  } finally {
    await sql.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function row(number: number, change: Partial<NewRow> = {}): NewRow {
  return {
    row: number,
    cpf: number % 2 === 0 ? CPF_A : CPF_B,
    file: `photos/${String(number)}.jpg`,
    consentTermVersion: 'v1',
    consentDate: '2026-11-01',
    photo: `photos/${String(number)}.jpg`,
    status: 'pending',
    problem: null,
    description: null,
    ...change,
  };
}

const photo = (number: number) => Buffer.from(`photo of row ${String(number)}`);

/**
 * A job as an upload leaves it: rows 2…(1 + count), each with its photo, `checking`; plus the
 * problem rows given (added after them), and a photo no row names.
 */
async function uploadedJob(
  bulk: BulkStore,
  {
    id = 'job-1',
    environment = 'local',
    count = 3,
    problems = [] as NewRow[],
  }: { id?: string; environment?: EnvironmentName; count?: number; problems?: NewRow[] } = {},
): Promise<string> {
  await bulk.createJob({ id, environment, sourceName: `${id}.zip`, createdBy: 'registrar-1', needsAdminConfirmation: false });
  const rows: NewRow[] = [];
  for (let number = 2; number < 2 + count; number += 1) {
    await bulk.putPhoto(id, `photos/${String(number)}.jpg`, photo(number));
    rows.push(row(number));
  }
  await bulk.putPhoto(id, 'stray.jpg', Buffer.from('named by no row'));
  await bulk.addRows(id, [...rows, ...problems]);
  await bulk.finishUpload(id);
  return id;
}

/** Checks every pending row of a job: ready, with its photo reduced (`reduced:` before the bytes). */
async function checkAll(bulk: BulkStore, jobId: string): Promise<void> {
  for (const pending of await bulk.pendingRows(jobId, 100)) {
    await bulk.recordCheck(jobId, pending.row, {
      status: 'ready',
      photo: Buffer.concat([Buffer.from('reduced:'), pending.photo ?? Buffer.alloc(0)]),
    });
  }
}

function registerEntry(jobId: string, cpf: string, registrationKey: string | null): NewAuditEntry {
  return { actor: 'admin-1', action: 'register', environment: 'local', cpf, registrationKey, outcome: 'ok', status: 201, bulkJob: jobId };
}

describe('the bulk store: an upload', () => {
  it('makes a job `uploading` (never listed), then `checking` with its rows in CSV order; photos no row to check names are deleted', async () => {
    const { location, bulk } = await openBulk();
    await bulk.createJob({
      id: 'job-1',
      environment: 'local',
      sourceName: 'base.zip',
      createdBy: 'registrar-1',
      needsAdminConfirmation: true,
    });
    const made = await bulk.getJob('job-1');
    expect(made).toMatchObject({
      id: 'job-1',
      environment: 'local',
      status: 'uploading',
      sourceName: 'base.zip',
      createdBy: 'registrar-1',
      startedBy: null,
      startedAt: null,
      finishedAt: null,
      needsAdminConfirmation: true,
      pauseReason: null,
    });
    expect(new Date(made?.createdAt ?? '').toISOString()).toBe(made?.createdAt);
    expect(await bulk.listJobs(['local'], 10)).toEqual([]);

    await bulk.putPhoto('job-1', 'a.jpg', Buffer.from('first'));
    await bulk.putPhoto('job-1', 'a.jpg', Buffer.from('second, same name'));
    await bulk.putPhoto('job-1', 'dup.jpg', Buffer.from('named by a problem row only'));
    await bulk.putPhoto('job-1', 'stray.jpg', Buffer.from('named by no row'));
    await bulk.addRows('job-1', [
      row(2, { photo: 'a.jpg' }),
      row(3, { photo: null, status: 'problem', problem: 'missing_file', description: 'No photo.' }),
    ]);
    await bulk.addRows('job-1', [row(4, { photo: 'dup.jpg', status: 'problem', problem: 'duplicate_photo', description: '2' })]);
    expect(await photoNames(location, 'job-1')).toEqual(['a.jpg', 'dup.jpg', 'stray.jpg']);
    await bulk.finishUpload('job-1');

    expect((await bulk.getJob('job-1'))?.status).toBe('checking');
    expect(await photoNames(location, 'job-1')).toEqual(['a.jpg']);
    const rows = await bulk.rows('job-1', 0, 10);
    expect(rows.map((r) => [r.row, r.status, r.problem, r.description])).toEqual([
      [2, 'pending', null, null],
      [3, 'problem', 'missing_file', 'No photo.'],
      [4, 'problem', 'duplicate_photo', '2'],
    ]);
    expect(rows[0]).toMatchObject({
      jobId: 'job-1',
      cpf: CPF_A,
      file: 'photos/2.jpg',
      consentTermVersion: 'v1',
      consentDate: '2026-11-01',
      registrationKey: null,
      refusalTitle: null,
      httpStatus: null,
      similarFaces: null,
      imageStatus: null,
    });
    const pending = await bulk.pendingRows('job-1', 10);
    expect(pending.map((r) => [r.row, r.photo?.toString()])).toEqual([[2, 'second, same name']]);
    expect((await bulk.listJobs(['local'], 10)).map((job) => job.id)).toEqual(['job-1']);
  });

  it('deletes a job with its rows and photos, leaving the others alone', async () => {
    const { location, bulk } = await openBulk();
    await uploadedJob(bulk, { id: 'job-1' });
    await uploadedJob(bulk, { id: 'job-2' });
    await bulk.deleteJob('job-1');
    expect(await bulk.getJob('job-1')).toBeUndefined();
    expect(await bulk.rows('job-1', 0, 10)).toEqual([]);
    expect(await photoNames(location, 'job-1')).toEqual([]);
    expect(await bulk.rows('job-2', 0, 10)).toHaveLength(3);
    expect(await photoNames(location, 'job-2')).toHaveLength(3);
  });

  it('names uploads left untouched as abandoned, and ready or paused jobs left untouched as stale', async () => {
    const { bulk } = await openBulk();
    await bulk.createJob({ id: 'uploading', environment: 'local', sourceName: 'a.csv', createdBy: 'r', needsAdminConfirmation: false });
    await uploadedJob(bulk, { id: 'ready' });
    await bulk.transition('ready', ['checking'], 'ready');
    await uploadedJob(bulk, { id: 'paused' });
    await bulk.transition('paused', ['checking'], 'paused');
    await uploadedJob(bulk, { id: 'checking' });
    expect(await bulk.abandonedUploads(60_000)).toEqual([]);
    expect(await bulk.staleJobs(60_000)).toEqual([]);
    await sleep(300);
    expect(await bulk.abandonedUploads(200)).toEqual(['uploading']);
    expect((await bulk.staleJobs(200)).sort()).toEqual(['paused', 'ready']);
    // A photo kept touches the upload: it is being read still.
    await bulk.putPhoto('uploading', 'x.jpg', Buffer.from('x'));
    expect(await bulk.abandonedUploads(200)).toEqual([]);
  });
});

describe('the bulk store: jobs', () => {
  it('lists the jobs of the environments asked, newest first, at most `limit`', async () => {
    const { bulk } = await openBulk();
    await uploadedJob(bulk, { id: 'a', environment: 'local' });
    await uploadedJob(bulk, { id: 'b', environment: 'production' });
    await uploadedJob(bulk, { id: 'c', environment: 'local' });
    await bulk.createJob({ id: 'd', environment: 'local', sourceName: 'd.csv', createdBy: 'r', needsAdminConfirmation: false });
    expect((await bulk.listJobs(['local'], 10)).map((job) => job.id)).toEqual(['c', 'a']);
    expect((await bulk.listJobs(['local', 'production'], 10)).map((job) => job.id)).toEqual(['c', 'b', 'a']);
    expect((await bulk.listJobs(['local', 'production'], 2)).map((job) => job.id)).toEqual(['c', 'b']);
    expect(await bulk.listJobs([], 10)).toEqual([]);
  });

  it('changes a status only from the statuses named (compare and set), with who started it, when it ended, why it paused', async () => {
    const { store, bulk } = await openBulk();
    const id = await uploadedJob(bulk);
    const checking = await bulk.getJob(id);
    await sleep(5);
    expect(await bulk.transition(id, ['ready'], 'queued')).toBe(false);
    expect(await bulk.transition(id, ['checking'], 'ready')).toBe(true);
    const ready = await bulk.getJob(id);
    expect(ready?.status).toBe('ready');
    expect(Date.parse(ready?.updatedAt ?? '')).toBeGreaterThan(Date.parse(checking?.updatedAt ?? ''));

    const started: NewAuditEntry = {
      actor: 'admin-1',
      action: 'bulk_job_started',
      environment: 'local',
      outcome: '3',
      status: 200,
      bulkJob: id,
    };
    // Two people start it together: one does.
    const both = await Promise.all([
      bulk.transition(id, ['ready'], 'queued', { startedBy: 'admin-1' }, started),
      bulk.transition(id, ['ready'], 'queued', { startedBy: 'admin-2' }, { ...started, actor: 'admin-2' }),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    const queued = await bulk.getJob(id);
    expect(queued?.startedBy).toBe(both[0] ? 'admin-1' : 'admin-2');
    expect(queued?.startedAt).not.toBeNull();
    expect(queued?.finishedAt).toBeNull();
    const trail = await store.queryAudit({ action: 'bulk_job_started', limit: 10 });
    expect(trail.map((entry) => [entry.actor, entry.bulk_job])).toEqual([[queued?.startedBy, id]]);

    const reason = { title: 'upstream_unauthorized', description: 'QI Tech refused the console’s key.' };
    expect(await bulk.transition(id, ['queued', 'running'], 'paused', { pauseReason: reason })).toBe(true);
    expect((await bulk.getJob(id))?.pauseReason).toEqual(reason);
    // A change that says nothing of the reason keeps it; null clears it.
    expect(await bulk.transition(id, ['paused'], 'paused')).toBe(true);
    expect((await bulk.getJob(id))?.pauseReason).toEqual(reason);
    expect(await bulk.transition(id, ['paused'], 'running', { pauseReason: null })).toBe(true);
    expect((await bulk.getJob(id))?.pauseReason).toBeNull();
    expect((await bulk.getJob(id))?.startedBy).toBe(queued?.startedBy);

    // A transition that does not happen writes no audit entry.
    expect(await bulk.transition(id, ['paused'], 'cancelled', {}, { ...started, action: 'bulk_job_cancelled' })).toBe(false);
    expect(await store.queryAudit({ action: 'bulk_job_cancelled', limit: 10 })).toEqual([]);
    expect(await bulk.transition(id, ['running'], 'done', {}, { ...started, action: 'bulk_job_finished' })).toBe(true);
    const done = await bulk.getJob(id);
    expect(done?.status).toBe('done');
    expect(done?.finishedAt).not.toBeNull();
    expect(await store.queryAudit({ action: 'bulk_job_finished', limit: 10 })).toHaveLength(1);
    expect(await bulk.transition(id, [], 'cancelled')).toBe(false);
  });
});

describe('the bulk store: claiming work', () => {
  it('gives an instance a checking or running job nobody holds, the oldest first; never one another instance holds', async () => {
    const { bulk } = await openBulk();
    expect(await bulk.claimWork('instance-a', 15_000)).toBeUndefined();
    await uploadedJob(bulk, { id: 'first' });
    await uploadedJob(bulk, { id: 'second' });
    expect((await bulk.claimWork('instance-a', 15_000))?.id).toBe('first');
    // Its own job again (renewed), while it needs work.
    expect((await bulk.claimWork('instance-a', 15_000))?.id).toBe('first');
    expect((await bulk.claimWork('instance-b', 15_000))?.id).toBe('second');
    expect(await bulk.claimWork('instance-c', 15_000)).toBeUndefined();

    expect(await bulk.renewLease('first', 'instance-a', 15_000)).toBe(true);
    expect(await bulk.renewLease('first', 'instance-b', 15_000)).toBe(false);
    // Released, another instance takes it.
    await bulk.releaseLease('first', 'instance-b');
    expect(await bulk.claimWork('instance-c', 15_000)).toBeUndefined();
    await bulk.releaseLease('first', 'instance-a');
    expect((await bulk.claimWork('instance-c', 15_000))?.id).toBe('first');
    expect(await bulk.renewLease('first', 'instance-a', 15_000)).toBe(false);

    // A job that needs no work any more is not its holder's either.
    await bulk.transition('first', ['checking'], 'ready');
    expect(await bulk.claimWork('instance-c', 15_000)).toBeUndefined();
  });

  it('takes over a job whose lease lapsed (its instance is gone)', async () => {
    const { bulk } = await openBulk();
    await uploadedJob(bulk, { id: 'job' });
    expect((await bulk.claimWork('instance-a', 400))?.id).toBe('job');
    expect(await bulk.claimWork('instance-b', 15_000)).toBeUndefined();
    await sleep(500);
    expect((await bulk.claimWork('instance-b', 15_000))?.id).toBe('job');
    expect(await bulk.renewLease('job', 'instance-a', 15_000)).toBe(false);
    expect(await bulk.claimWork('instance-a', 15_000)).toBeUndefined();
  });

  it('starts the first queued job of an environment where none is running, one at a time per environment', async () => {
    const { bulk } = await openBulk();
    for (const [id, environment] of [
      ['local-1', 'local'],
      ['local-2', 'local'],
      ['prod-1', 'production'],
    ] as const) {
      await uploadedJob(bulk, { id, environment });
      await bulk.transition(id, ['checking'], 'ready');
    }
    // Queued in the order people started them: local-2 before local-1.
    await bulk.transition('local-2', ['ready'], 'queued', { startedBy: 'admin-1' });
    await sleep(5);
    await bulk.transition('local-1', ['ready'], 'queued', { startedBy: 'admin-1' });
    await sleep(5);
    await bulk.transition('prod-1', ['ready'], 'queued', { startedBy: 'admin-1' });

    const claimed = await bulk.claimWork('instance-a', 15_000);
    expect(claimed).toMatchObject({ id: 'local-2', status: 'running' });
    expect((await bulk.getJob('local-2'))?.status).toBe('running');
    // Another instance: local is busy, production is not.
    expect((await bulk.claimWork('instance-b', 15_000))?.id).toBe('prod-1');
    expect(await bulk.claimWork('instance-c', 15_000)).toBeUndefined();
    expect((await bulk.getJob('local-1'))?.status).toBe('queued');

    await bulk.transition('local-2', ['running'], 'done');
    await bulk.releaseLease('local-2', 'instance-a');
    expect(await bulk.claimWork('instance-a', 15_000)).toMatchObject({ id: 'local-1', status: 'running' });
  });

  it('gives one job to one of several instances claiming together', async () => {
    const { bulk } = await openBulk();
    await uploadedJob(bulk, { id: 'job' });
    await bulk.transition('job', ['checking'], 'queued', { startedBy: 'admin-1' });
    const claims = await Promise.all(['a', 'b', 'c', 'd'].map((instance) => bulk.claimWork(instance, 15_000)));
    expect(claims.filter((job) => job !== undefined).map((job) => job.id)).toEqual(['job']);
  });

  it('forgets the leases of the process before when it opens on SQLite (one instance), keeps them on PostgreSQL (that instance may live)', async () => {
    const { location, store, bulk } = await openBulk();
    await uploadedJob(bulk, { id: 'job' });
    expect((await bulk.claimWork('before', 15_000))?.id).toBe('job');
    await store.close();
    const reopened = await openAccessStore(location);
    onTestFinished(() => reopened.close());
    const claimed = await reopened.bulk().claimWork('after', 15_000);
    expect(claimed?.id).toBe(location.databaseUrl === undefined ? 'job' : undefined);
  });
});

describe('the bulk store: checking', () => {
  it('keeps the reduced photo of a ready row, and deletes the photo of a row found registered or with a problem', async () => {
    const { location, bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 4 });
    expect((await bulk.pendingRows(id, 2)).map((r) => r.row)).toEqual([2, 3]);
    await bulk.recordCheck(id, 2, { status: 'ready', photo: Buffer.from('reduced 2') });
    await bulk.recordCheck(id, 3, { status: 'already_registered', registrationKey: 'key-3' });
    await bulk.recordCheck(id, 4, { status: 'problem', problem: 'image_quality', imageStatus: 'no_face', description: 'No face found.' });
    await bulk.recordCheck(id, 5, { status: 'problem', problem: 'unreadable_image', description: 'Not an image.' });
    // A second outcome for a row checked already (or cancelled) changes nothing.
    await bulk.recordCheck(id, 3, { status: 'ready', photo: Buffer.from('late') });

    expect(await bulk.pendingRows(id, 10)).toEqual([]);
    const rows = await bulk.rows(id, 0, 10);
    expect(rows.map((r) => [r.row, r.status, r.registrationKey, r.problem, r.imageStatus, r.description])).toEqual([
      [2, 'ready', null, null, null, null],
      [3, 'already_registered', 'key-3', null, null, null],
      [4, 'problem', null, 'image_quality', 'no_face', 'No face found.'],
      [5, 'problem', null, 'unreadable_image', null, 'Not an image.'],
    ]);
    expect(await photoNames(location, id)).toEqual(['photos/2.jpg']);
    const ready = await bulk.readyRows(id, 10);
    expect(ready.map((r) => [r.row, r.photo.toString()])).toEqual([[2, 'reduced 2']]);
    expect((await bulk.problemRows(id, 0, 10)).map((r) => r.row)).toEqual([4, 5]);
    expect((await bulk.problemRows(id, 4, 10)).map((r) => r.row)).toEqual([5]);
    expect((await bulk.rows(id, 3, 1)).map((r) => r.row)).toEqual([4]);

    const counts = await bulk.counts(id, 60_000);
    expect(counts).toEqual({
      total: 4,
      byStatus: { ready: 1, already_registered: 1, problem: 2 },
      byProblem: { image_quality: 1, unreadable_image: 1 },
      checkedRecently: 4,
      sentRecently: 0,
    });
    await sleep(30);
    expect((await bulk.counts(id, 10)).checkedRecently).toBe(0);
  });

  it('counts 20,000 rows at once, quickly', async () => {
    const { bulk } = await openBulk();
    await bulk.createJob({ id: 'big', environment: 'local', sourceName: 'big.csv', createdBy: 'r', needsAdminConfirmation: false });
    const rows: NewRow[] = [];
    for (let number = 2; number < 20_002; number += 1) {
      rows.push(
        number % 10 === 0
          ? row(number, { photo: null, status: 'problem', problem: number % 20 === 0 ? 'invalid_cpf' : 'missing_file', description: 'x' })
          : row(number, { photo: null }),
      );
    }
    for (let start = 0; start < rows.length; start += 2000) await bulk.addRows('big', rows.slice(start, start + 2000));
    await bulk.finishUpload('big');
    const began = performance.now();
    const counts = await bulk.counts('big', 60_000);
    const elapsed = performance.now() - began;
    expect(counts).toEqual({
      total: 20_000,
      byStatus: { pending: 18_000, problem: 2000 },
      byProblem: { invalid_cpf: 1000, missing_file: 1000 },
      checkedRecently: 0,
      sentRecently: 0,
    });
    // Generous (tests run side by side): what it guards against is a plan that reads the rows once per row.
    expect(elapsed).toBeLessThan(500);
    expect((await bulk.problemRows('big', 19_000, 3)).map((r) => r.row)).toEqual([19_010, 19_020, 19_030]);
  });
});

describe('the bulk store: sending', () => {
  it('keeps a row’s outcome and its audit entry together, once; the photo is deleted', async () => {
    const { location, store, bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 3 });
    await checkAll(bulk, id);
    expect((await bulk.readyRows(id, 10)).map((r) => [r.row, r.photo.toString()])).toEqual([
      [2, 'reduced:photo of row 2'],
      [3, 'reduced:photo of row 3'],
      [4, 'reduced:photo of row 4'],
    ]);

    expect(await bulk.markSending(id, 2)).toBe(true);
    expect((await bulk.sendingRows(id)).map((r) => r.row)).toEqual([2]);
    expect((await bulk.readyRows(id, 10)).map((r) => r.row)).toEqual([3, 4]);
    expect(
      await bulk.recordSend(
        id,
        2,
        { status: 'registered', registrationKey: 'key-2', httpStatus: 201, similarFaces: 2 },
        registerEntry(id, CPF_A, 'key-2'),
      ),
    ).toBe(true);
    // The same answer recorded again (a retry, a second instance): nothing more, no second entry.
    expect(
      await bulk.recordSend(
        id,
        2,
        { status: 'registered', registrationKey: 'key-2', httpStatus: 201, similarFaces: 2 },
        registerEntry(id, CPF_A, 'key-2'),
      ),
    ).toBe(false);
    expect(await bulk.markSending(id, 2)).toBe(false);

    expect(await bulk.markSending(id, 3)).toBe(true);
    expect(
      await bulk.recordSend(
        id,
        3,
        {
          status: 'refused',
          refusalTitle: 'image_quality',
          imageStatus: 'face_too_small',
          description: 'Face too small.',
          httpStatus: 400,
        },
        { ...registerEntry(id, CPF_B, null), outcome: 'image_quality', status: 400 },
      ),
    ).toBe(true);

    const rows = await bulk.rows(id, 0, 10);
    expect(
      rows.map((r) => [r.row, r.status, r.registrationKey, r.httpStatus, r.similarFaces, r.refusalTitle, r.imageStatus, r.description]),
    ).toEqual([
      [2, 'registered', 'key-2', 201, 2, null, null, null],
      [3, 'refused', null, 400, null, 'image_quality', 'face_too_small', 'Face too small.'],
      [4, 'ready', null, null, null, null, null, null],
    ]);
    expect(await photoNames(location, id)).toEqual(['photos/4.jpg']);
    const trail = await store.queryAudit({ action: 'register', limit: 10 });
    expect(trail.map((entry) => [entry.cpf_masked, entry.registration_key, entry.outcome, entry.bulk_job])).toEqual([
      ['***.444.777-**', null, 'image_quality', id],
      ['***.982.247-**', 'key-2', 'ok', id],
    ]);
    // The CPF is found again by its keyed hash, never kept whole in the trail.
    expect(await store.queryAudit({ cpf: CPF_A, limit: 10 })).toHaveLength(1);
    const counts = await bulk.counts(id, 60_000);
    expect(counts.byStatus).toEqual({ registered: 1, refused: 1, ready: 1 });
    expect(counts.sentRecently).toBe(2);
  });

  it('writes neither the outcome nor the entry when the entry cannot be written', async () => {
    const { store, bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 1 });
    await checkAll(bulk, id);
    await bulk.markSending(id, 2);
    // An entry the trail refuses (no action: NOT NULL), as a failure between the two writes would be.
    const broken = { ...registerEntry(id, CPF_A, 'key-2'), action: null } as unknown as NewAuditEntry;
    await expect(
      bulk.recordSend(id, 2, { status: 'registered', registrationKey: 'key-2', httpStatus: 201, similarFaces: null }, broken),
    ).rejects.toThrow();
    expect((await bulk.sendingRows(id)).map((r) => r.row)).toEqual([2]);
    expect(await store.queryAudit({ action: 'register', limit: 10 })).toEqual([]);
    // Nor a transition's.
    await expect(bulk.transition(id, ['checking'], 'ready', {}, broken)).rejects.toThrow();
    expect((await bulk.getJob(id))?.status).toBe('checking');
  });

  it('puts a row left sending back to ready, or to not sent once its job was cancelled', async () => {
    const { bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 2 });
    await checkAll(bulk, id);
    await bulk.markSending(id, 2);
    await bulk.markSending(id, 3);
    // Sent again after a look-up that found nothing: it may be marked again while sending.
    expect(await bulk.markSending(id, 2)).toBe(true);
    await bulk.markReady(id, 2);
    expect((await bulk.readyRows(id, 10)).map((r) => r.row)).toEqual([2]);
    await bulk.transition(id, ['checking'], 'cancelled');
    await bulk.markReady(id, 3);
    expect((await bulk.rows(id, 0, 10)).map((r) => [r.row, r.status])).toEqual([
      [2, 'ready'],
      [3, 'not_sent'],
    ]);
    // markReady touches only a row that is sending.
    await bulk.markReady(id, 2);
    expect((await bulk.rows(id, 0, 1))[0]?.status).toBe('ready');
  });

  it('cancels: rows to check or to send are not sent, rows sent or sending keep their state, every photo goes', async () => {
    const { location, bulk } = await openBulk();
    const id = await uploadedJob(bulk, {
      count: 5,
      problems: [row(7, { photo: null, status: 'problem', problem: 'invalid_cpf', description: 'x' })],
    });
    await bulk.recordCheck(id, 2, { status: 'ready', photo: Buffer.from('r2') });
    await bulk.recordCheck(id, 3, { status: 'ready', photo: Buffer.from('r3') });
    await bulk.recordCheck(id, 4, { status: 'ready', photo: Buffer.from('r4') });
    await bulk.markSending(id, 2);
    await bulk.recordSend(
      id,
      2,
      { status: 'registered', registrationKey: 'k', httpStatus: 201, similarFaces: null },
      registerEntry(id, CPF_A, 'k'),
    );
    await bulk.markSending(id, 3);
    await bulk.cancelRemaining(id);
    expect((await bulk.rows(id, 0, 10)).map((r) => [r.row, r.status])).toEqual([
      [2, 'registered'],
      [3, 'sending'],
      [4, 'not_sent'],
      [5, 'not_sent'],
      [6, 'not_sent'],
      [7, 'problem'],
    ]);
    expect(await photoNames(location, id)).toEqual([]);
    // A check that ends after the cancellation changes nothing.
    await bulk.recordCheck(id, 5, { status: 'ready', photo: Buffer.from('late') });
    expect((await bulk.rows(id, 4, 1))[0]?.status).toBe('not_sent');
    expect(await photoNames(location, id)).toEqual([]);
  });

  it('deletes every photo of a job that ended', async () => {
    const { location, bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 3 });
    const other = await uploadedJob(bulk, { id: 'other', count: 1 });
    await checkAll(bulk, id);
    await bulk.deletePhotos(id);
    expect(await photoNames(location, id)).toEqual([]);
    expect(await bulk.readyRows(id, 10)).toEqual([]);
    expect(await photoNames(location, other)).toEqual(['photos/2.jpg']);
  });

  it('keeps only masked CPFs in the rows of a job that ended (done or cancelled), the other jobs untouched', async () => {
    const { bulk } = await openBulk();
    const done = await uploadedJob(bulk, {
      count: 2,
      problems: [row(4, { cpf: '123.456.78', photo: null, status: 'problem', problem: 'invalid_cpf', description: 'x' })],
    });
    const cancelled = await uploadedJob(bulk, { id: 'cancelled', count: 1 });
    const other = await uploadedJob(bulk, { id: 'other', count: 1 });
    await bulk.deletePhotos(done);
    await bulk.cancelRemaining(cancelled);
    expect((await bulk.rows(done, 0, 10)).map((r) => r.cpf)).toEqual([hideCpf(CPF_A), hideCpf(CPF_B), '']);
    expect((await bulk.rows(cancelled, 0, 10)).map((r) => r.cpf)).toEqual([hideCpf(CPF_A)]);
    expect((await bulk.rows(other, 0, 10)).map((r) => r.cpf)).toEqual([CPF_A]);
    // Masked already: kept as it is.
    await bulk.deletePhotos(done);
    expect((await bulk.rows(done, 0, 1))[0]?.cpf).toBe(hideCpf(CPF_A));
  });

  it('hands a job cancelled with rows left sending out once more, their CPFs whole until it forgets them', async () => {
    const { bulk } = await openBulk();
    const id = await uploadedJob(bulk, { count: 3 });
    await checkAll(bulk, id);
    await bulk.transition(id, ['checking'], 'running');
    await bulk.markSending(id, 2);
    await bulk.markSending(id, 3);
    await bulk.transition(id, ['running'], 'cancelled');
    await bulk.cancelRemaining(id);
    // The rows left sending keep their CPFs: each is to be looked up.
    expect((await bulk.rows(id, 0, 10)).map((r) => [r.row, r.status, r.cpf])).toEqual([
      [2, 'sending', CPF_A],
      [3, 'sending', CPF_B],
      [4, 'not_sent', hideCpf(CPF_A)],
    ]);
    expect(await bulk.claimWork('instance-a', 15_000)).toMatchObject({ id, status: 'cancelled' });
    expect(await bulk.claimWork('instance-b', 15_000)).toBeUndefined();
    await bulk.releaseLease(id, 'instance-a');

    // One found registered (an answer recorded after the cancellation keeps its CPF until the end).
    await bulk.recordSend(
      id,
      2,
      { status: 'registered', registrationKey: 'k', httpStatus: 200, similarFaces: null },
      registerEntry(id, CPF_A, 'k'),
    );
    await bulk.deletePhotos(id);
    expect((await bulk.rows(id, 0, 10)).map((r) => r.cpf)).toEqual([hideCpf(CPF_A), CPF_B, hideCpf(CPF_A)]);
    expect((await bulk.claimWork('instance-a', 15_000))?.id).toBe(id);
    await bulk.releaseLease(id, 'instance-a');

    // The other undecided: given up on, its CPF masked too, and the job is work no more.
    await bulk.forgetCpfs(id);
    expect((await bulk.rows(id, 0, 10)).map((r) => [r.status, r.cpf])).toEqual([
      ['registered', hideCpf(CPF_A)],
      ['sending', hideCpf(CPF_B)],
      ['not_sent', hideCpf(CPF_A)],
    ]);
    expect(await bulk.claimWork('instance-a', 15_000)).toBeUndefined();
  });
});
