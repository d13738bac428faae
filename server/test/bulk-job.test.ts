import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CONSENT_HEADER } from '../../contract/access.ts';
import { bulkJobSchema } from '../../contract/bulk.ts';
import type { BulkJob } from '../../contract/bulk.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { hideCpf } from '../../contract/cpf.ts';
import { refusal } from './helper.ts';
import { NO_FACE_WIDTH, action, auditEntries, bulkApp, cpfs, csvOf, fakeQiTech, photo, upload, waitForJob, zipOf } from './bulk-support.ts';
import type { BulkApp } from './bulk-support.ts';

const DAY = '2024-05-31';

async function created(bulk: BulkApp, env: string, files: Record<string, Buffer | string>, as = 'admin'): Promise<BulkJob> {
  const response = await upload(bulk, env, [{ field: 'zip', filename: 'lote.zip', content: zipOf(files) }], as);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<BulkJob>();
}

/** A ZIP of `count` good rows (v1, a date, a distinct photo each). */
async function goodRows(list: string[]): Promise<Record<string, Buffer | string>> {
  const files: Record<string, Buffer | string> = { 'lista.csv': csvOf(list.map((cpf, i) => [cpf, `${String(i)}.jpg`, 'v1', DAY])) };
  for (const [i] of list.entries()) files[`${String(i)}.jpg`] = await photo(100 + i);
  return files;
}

describe('a bulk job in local (the emulator), from the upload to every good row registered once', () => {
  it('checks the rows, waits for the count, sends, and reports', async () => {
    const bulk = await bulkApp();
    const [g1, g2, g3, g4, known, noFace, gif, small, broken] = cpfs(9) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // A CPF registered before the job: found by the check, never sent.
    const registered = await bulk.as('admin', {
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
      payload: { document_number: known, image: (await photo(99)).toString('base64') },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const knownKey = registered.json<{ registration_key: string }>().registration_key;
    const jpeg = await photo(50);
    const files = {
      'lista.csv': csvOf([
        [g1, 'g1.jpg', 'v1', DAY],
        [g2, 'g2.png', 'v1', DAY],
        [g3, 'g3.jpg', 'v1', DAY],
        [g4, 'g4.jpg', 'v1', DAY],
        [known, 'known.jpg', 'v1', DAY],
        [noFace, 'noface.jpg', 'v1', DAY],
        [gif, 'x.gif', 'v1', DAY],
        [small, 'small.jpg', 'v1', DAY],
        [broken, 'broken.jpg', 'v1', DAY],
        ['000.000.000-00', 'g1.jpg', 'v1', DAY],
      ]),
      'g1.jpg': await photo(51),
      'g2.png': await sharp(await photo(52))
        .png()
        .toBuffer(),
      'g3.jpg': await photo(53, 3000, 2000),
      'g4.jpg': await photo(54),
      'known.jpg': await photo(55),
      'noface.jpg': await photo(56, NO_FACE_WIDTH, 400),
      'x.gif': await sharp(await photo(57))
        .gif()
        .toBuffer(),
      'small.jpg': await photo(58, 150, 150),
      'broken.jpg': jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    };
    const job = await created(bulk, 'local', files);
    const ready = await waitForJob(bulk, job.id, (j) => j.status === 'ready', 'the check');
    expect(ready.counts).toMatchObject({
      total: 10,
      checked: 10,
      ready: 4,
      problems: 5,
      already_registered: 1,
      registered: 0,
      remaining: 4,
    });
    expect(ready.problem_counts).toEqual({
      invalid_cpf: 1,
      image_quality: 1,
      unsupported_image: 1,
      image_too_small: 1,
      unreadable_image: 1,
    });
    expect(ready.problem_sample.find((p) => p.problem === 'image_quality')).toMatchObject({ row: 7, image_status: 'no_face' });

    expect(refusal(await action(bulk, job.id, 'start', { count: 5 }), 409, 'count_mismatch').description).toContain('4 rows');
    refusal(await action(bulk, job.id, 'pause'), 409, 'invalid_job_state');
    const started = await action(bulk, job.id, 'start', { count: 4 });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json<BulkJob>()).toMatchObject({ started_by: 'admin' });
    const done = await waitForJob(bulk, job.id, (j) => j.status === 'done', 'the sending');
    expect(done.counts).toMatchObject({ registered: 4, refused: 0, remaining: 0, not_sent: 0 });
    expect(done.finished_at).not.toBeNull();
    expect(done.eta_seconds).toBeNull();
    // Every answer has the contract's shape.
    expect(bulkJobSchema.safeParse(ready).success).toBe(true);
    expect(bulkJobSchema.safeParse(done).success).toBe(true);

    // Each good CPF is registered in the emulator, and audited once, as a registration of the job.
    for (const cpf of [g1, g2, g3, g4]) {
      const found = await bulk.as('admin', { method: 'GET', url: `/api/local/face_recognition/registration/document_number/${cpf}` });
      expect(found.statusCode, found.body).toBe(200);
    }
    const registrations = (await auditEntries(bulk, 'register')).filter((e) => e.bulk_job === job.id);
    expect(registrations).toHaveLength(4);
    expect(new Set(registrations.map((e) => e.cpf_masked))).toEqual(new Set([g1, g2, g3, g4].map(hideCpf)));
    for (const entry of registrations) {
      expect(entry).toMatchObject({ actor: 'admin', environment: 'local', outcome: 'ok', status: 201, consent_term: 'v1' });
      expect(entry.registration_key).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await auditEntries(bulk, 'bulk_job_started'))[0]).toMatchObject({ actor: 'admin', outcome: 'count:4', bulk_job: job.id });
    expect((await auditEntries(bulk, 'bulk_job_finished'))[0]).toMatchObject({ outcome: 'registered:4 refused:0', bulk_job: job.id });

    const results = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${job.id}/results.csv` });
    expect(results.headers['content-type']).toContain('text/csv');
    const lines = results.body.split('\r\n');
    expect(lines[0]).toBe('\uFEFFlinha;cpf;arquivo;situacao;chave_cadastro;titulo;image_status;descricao');
    expect(lines).toHaveLength(12);
    expect(lines[5]).toBe(`6;${hideCpf(known) ?? ''};known.jpg;já cadastrado;${knownKey};;;`);
    expect(lines[1]).toMatch(/^2;\*\*\*\.\d{3}\.\d{3}-\*\*;g1\.jpg;cadastrado;[0-9a-f-]{36};;;$/);
    expect(lines[6]).toMatch(/^7;.*;noface\.jpg;com problema;;image_quality;no_face;/);
    for (const cpf of [g1, known, noFace]) expect(results.body).not.toContain(cpf);
    const problems = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${job.id}/problems.csv` });
    const problemLines = problems.body.split('\r\n');
    expect(problemLines[0]).toBe('\uFEFFlinha;cpf;arquivo;problema;image_status;o_que_fazer');
    expect(problemLines.slice(1, -1).map((line) => line.split(';').slice(0, 4).join(';'))).toEqual([
      `7;${hideCpf(noFace) ?? ''};noface.jpg;image_quality`,
      `8;${hideCpf(gif) ?? ''};x.gif;unsupported_image`,
      `9;${hideCpf(small) ?? ''};small.jpg;image_too_small`,
      `10;${hideCpf(broken) ?? ''};broken.jpg;unreadable_image`,
      '11;;g1.jpg;invalid_cpf',
    ]);
    const list = await bulk.as('admin', { method: 'GET', url: '/api/bulk/jobs' });
    expect(list.json<{ jobs: BulkJob[] }>().jobs.map((j) => j.id)).toEqual([job.id]);
  });
});

describe('pause, resume, cancel', () => {
  it('a paused job sends nothing more until resumed; a cancelled one leaves its rows not sent', async () => {
    const fake = await fakeQiTech();
    fake.delayMs = 60;
    const bulk = await bulkApp({
      sandbox: { url: fake.url, apiKey: 'sandbox-key' },
      bulkPace: { local: { rate: 100, concurrency: 1 }, sandbox: { rate: 100, concurrency: 1 }, production: { rate: 100, concurrency: 1 } },
    });
    const list = cpfs(12);
    const job = await created(bulk, 'sandbox', await goodRows(list));
    await waitForJob(bulk, job.id, (j) => j.status === 'ready');
    expect((await action(bulk, job.id, 'start', { count: 12 })).statusCode).toBe(200);
    await waitForJob(bulk, job.id, (j) => j.counts.registered >= 2);
    const paused = await action(bulk, job.id, 'pause');
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json<BulkJob>()).toMatchObject({ status: 'paused', pause_reason: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentWhilePaused = fake.posts.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.posts.length).toBe(sentWhilePaused);
    expect(sentWhilePaused).toBeLessThan(12);
    refusal(await action(bulk, job.id, 'pause'), 409, 'invalid_job_state');
    expect((await action(bulk, job.id, 'resume')).json<BulkJob>().status).toBe('queued');
    const done = await waitForJob(bulk, job.id, (j) => j.status === 'done');
    expect(done.counts.registered).toBe(12);
    expect(new Set(fake.posts).size).toBe(12);
    expect(fake.posts).toHaveLength(12);
    expect((await auditEntries(bulk, 'bulk_job_paused'))[0]).toMatchObject({ actor: 'admin', bulk_job: job.id });
    expect((await auditEntries(bulk, 'bulk_job_resumed'))[0]).toMatchObject({ actor: 'admin', bulk_job: job.id });

    const other = await created(bulk, 'sandbox', await goodRows(cpfs(3)));
    await waitForJob(bulk, other.id, (j) => j.status === 'ready');
    const cancelled = await action(bulk, other.id, 'cancel');
    expect(cancelled.json<BulkJob>()).toMatchObject({ status: 'cancelled', counts: { not_sent: 3, remaining: 0 } });
    refusal(await action(bulk, other.id, 'start', { count: 3 }), 409, 'invalid_job_state');
    const results = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${other.id}/results.csv` });
    expect(results.body.split('\r\n').filter((line) => line.includes('não enviado'))).toHaveLength(3);
    expect(fake.posts).toHaveLength(12);
    refusal(await action(bulk, '00000000-0000-4000-8000-000000000000', 'cancel'), 404, 'bulk_job_not_found');
    refusal(await action(bulk, 'not-an-id', 'cancel'), 404, 'bulk_job_not_found');
  });
});

describe('production', () => {
  it('needs an administrator who names the count; other accounts do not see jobs of environments they may not use', async () => {
    const fake = await fakeQiTech();
    const bulk = await bulkApp({ production: { url: fake.url, apiKey: 'production-key' } }, [
      { name: 'rita', role: 'registrar', environments: null },
      { name: 'lia', role: 'registrar', environments: ['local'] },
    ]);
    const list = cpfs(2);
    const job = await created(bulk, 'production', await goodRows(list), 'rita');
    expect(job).toMatchObject({ needs_admin_confirmation: true, created_by: 'rita' });
    await waitForJob(bulk, job.id, (j) => j.status === 'ready');
    refusal(await action(bulk, job.id, 'start', { count: 2 }, 'rita'), 403, 'admin_confirmation_required');
    refusal(await bulk.as('lia', { method: 'GET', url: `/api/bulk/jobs/${job.id}` }), 404, 'bulk_job_not_found');
    expect((await bulk.as('lia', { method: 'GET', url: '/api/bulk/jobs' })).json<{ jobs: unknown[] }>().jobs).toEqual([]);
    refusal(await upload(bulk, 'production', [{ field: 'csv', filename: 'l.csv', content: 'x' }], 'lia'), 403, 'environment_forbidden');
    refusal(await action(bulk, job.id, 'start', { count: 1 }), 409, 'count_mismatch');
    refusal(await action(bulk, job.id, 'start', { count: -1 }), 400, 'invalid_request');
    expect((await action(bulk, job.id, 'start', { count: 2 })).json<BulkJob>()).toMatchObject({ started_by: 'admin' });
    await waitForJob(bulk, job.id, (j) => j.status === 'done');
    expect(fake.posts.sort()).toEqual(list.sort());
  });
});
