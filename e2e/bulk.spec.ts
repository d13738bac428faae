// Bulk registration end to end (issue 16): a ZIP of 200 rows (portraits of 200 people, bad rows
// and duplicates planted: scripts/fixtures/bulk-batch.ts) is checked, sent to the emulator, the
// console is killed mid-job (SIGKILL: no graceful stop), started again, and the job ends with
// every good row registered exactly once — counted in the emulator's own database — and every bad
// row reported. The console here is one of the spec's own (the `local` emulator only, a data
// folder of its own), so that killing it leaves the other specs' console alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import type { APIRequestContext } from '@playwright/test';
import { cpfDigits, hideCpf, maskCpf } from '../contract/cpf.ts';
import { makeE2eBatch } from '../scripts/fixtures/bulk-batch.ts';
import type { Batch } from '../scripts/fixtures/bulk-batch.ts';
import { E2E_PASSWORD } from './support/accounts.ts';
import { consoleReady, killConsole, startConsole, stopConsole } from './support/console-process.ts';
import type { ConsoleProcess } from './support/console-process.ts';
import { port } from './support/upstreams.ts';

const ROOT = join(import.meta.dirname, '..');
/** After the stand-ins (+1..+3), the instances (+4, +5, +7) and the identity provider (+6). */
const BULK_CONSOLE_PORT = port + 8;
const REGISTRAR = 'bulk-registrar';

interface JobAnswer {
  id: string;
  status: string;
  counts: { total: number; ready: number; problems: number; already_registered: number; registered: number; refused: number };
}

/** Parses a `;` CSV with a BOM and quoted cells (the console's export) into records by header. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i] ?? '';
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ';') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && body[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  const [header = [], ...records] = rows;
  return records.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

async function login(request: APIRequestContext, url: string): Promise<void> {
  const answer = await request.post(`${url}/api/session`, { data: { name: REGISTRAR, password: E2E_PASSWORD } });
  expect(answer.status()).toBe(200);
}

async function job(request: APIRequestContext, url: string, id: string): Promise<JobAnswer> {
  const answer = await request.get(`${url}/api/bulk/jobs/${id}`);
  expect(answer.status()).toBe(200);
  return (await answer.json()) as JobAnswer;
}

test.describe('bulk registration', () => {
  let dataDir = '';
  let zipPath = '';
  let batch: Batch;
  let server: ConsoleProcess | undefined;
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    EMULATOR_API_KEY: 'e2e-bulk-emulator-key',
    QITECH_SANDBOX_API_KEY: '',
    QITECH_PRODUCTION_API_KEY: '',
    DATABASE_URL: '',
  });

  test.beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'frc-e2e-bulk-'));
    zipPath = join(dataDir, '..', `${dataDir.split('/').at(-1) ?? 'bulk'}.zip`);
    batch = await makeE2eBatch(zipPath);
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'server', 'cli', 'user.ts'), 'add', REGISTRAR, '--role', 'registrar', '--password-stdin'],
      { cwd: ROOT, env: env(), input: `${E2E_PASSWORD}\n`, stdio: ['pipe', 'ignore', 'inherit'] },
    );
    server = startConsole('bulk console', BULK_CONSOLE_PORT, env());
    await consoleReady(server);
  });

  test.afterAll(async () => {
    if (server !== undefined) await stopConsole(server);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(zipPath, { force: true });
  });

  test('a 200-row ZIP: checked, sent, the console killed mid-job and restarted, every good row registered exactly once', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const url = server?.url ?? '';
    await login(page.request, url);
    // Two CPFs of the batch are registered before it: the check must find them.
    for (const { cpf, photo } of batch.registerFirst) {
      const answer = await page.request.post(`${url}/api/local/face_recognition/registration`, {
        headers: { 'x-consent-term': '2026-11-26' },
        data: { document_number: cpf, image: photo.toString('base64') },
      });
      expect(answer.status()).toBe(201);
    }

    await page.goto(`${url}/bulk?env=local`);
    await page.getByLabel('Escolher ZIP').setInputFiles(zipPath);
    await page.getByRole('button', { name: /Verificar lote/ }).click();

    // The summary, once every row is checked: what is ready, what has a problem, what exists already.
    await expect(page.getByTestId('bulk-summary')).toHaveText(/2 já cadastrados/, { timeout: 120_000 });
    const id = /\/bulk\/([^/?#]+)/.exec(page.url())?.[1] ?? '';
    expect(id).not.toBe('');
    const checked = await job(page.request, url, id);
    expect(checked.status).toBe('ready');
    expect(checked.counts.total).toBe(200);
    const planted = batch.rows.filter((row) => row.expected.kind === 'problem');
    expect(checked.counts.problems).toBeGreaterThanOrEqual(planted.length);
    expect(checked.counts.ready + checked.counts.problems + checked.counts.already_registered).toBe(200);
    // Most of the 184 people pass the face check (a few portraits frame the face too small).
    expect(checked.counts.ready).toBeGreaterThan(150);

    // Every planted problem is in problems.csv under its own kind.
    const problems = parseCsv(await (await page.request.get(`${url}/api/bulk/jobs/${id}/problems.csv`)).text());
    for (const row of planted) {
      const listed = problems.find((record) => record.linha === String(row.row));
      expect(listed?.problema, `row ${String(row.row)} (${row.file})`).toBe(row.expected.kind === 'problem' ? row.expected.problem : '');
    }
    // No whole CPF leaves in the file.
    for (const row of batch.rows) {
      const digits = cpfDigits(row.cpf);
      if (digits !== null) expect(problems.some((record) => record.cpf === maskCpf(digits))).toBe(false);
    }

    await page.getByRole('button', { name: new RegExp(`Enviar ${String(checked.counts.ready)} cadastros`) }).click();

    // Mid-job: some rows registered, many still to send. Then the process dies at once.
    await expect
      .poll(async () => (await job(page.request, url, id)).counts.registered, { timeout: 120_000, intervals: [100] })
      .toBeGreaterThanOrEqual(20);
    const before = await job(page.request, url, id);
    expect(before.counts.registered).toBeLessThan(checked.counts.ready);
    if (server !== undefined) await killConsole(server);

    server = startConsole('bulk console (restarted)', BULK_CONSOLE_PORT, env());
    await consoleReady(server);
    // The session survived the restart (kept in the console's database); the page picks the job up again.
    await page.reload();
    await expect(page.getByTestId('job-status')).toHaveText(/Concluído/, { timeout: 180_000 });
    const done = await job(page.request, url, id);
    expect(done.status).toBe('done');
    expect(done.counts.registered + done.counts.refused).toBe(checked.counts.ready);

    // The results name every row: registered with its key, or why not.
    const results = parseCsv(await (await page.request.get(`${url}/api/bulk/jobs/${id}/results.csv`)).text());
    expect(results).toHaveLength(200);
    await stopConsole(server);

    // Against the emulator's own database: each CPF registered once (the two registered before
    // the batch: only that once), with the key the results name; the bad rows' CPFs not at all.
    const emulator = new Database(join(dataDir, 'emulator.sqlite'), { readonly: true });
    const consoleDb = new Database(join(dataDir, 'console.sqlite'), { readonly: true });
    try {
      const registrations = emulator.prepare<[string], { registration_key: string }>(
        'SELECT registration_key FROM registrations WHERE document_number = ?',
      );
      const firstRows = new Map<string, number>();
      for (const row of batch.rows) {
        const digits = cpfDigits(row.cpf);
        if (digits !== null && !firstRows.has(digits)) firstRows.set(digits, row.row);
      }
      let registered = 0;
      for (const row of batch.rows) {
        const record = results.find((r) => r.linha === String(row.row));
        expect(record, `row ${String(row.row)} in results.csv`).toBeDefined();
        const digits = cpfDigits(row.cpf);
        const keys = digits === null ? [] : registrations.all(maskCpf(digits)).map((r) => r.registration_key.toLowerCase());
        if (record?.situacao === 'cadastrado') {
          registered += 1;
          expect(keys, `row ${String(row.row)}: one registration`).toEqual([(record.chave_cadastro ?? '').toLowerCase()]);
          expect(record.cpf).toBe(hideCpf(row.cpf));
        } else if (row.expected.kind === 'already_registered') {
          expect(record?.situacao).toBe('já cadastrado');
          expect(keys).toHaveLength(1);
        } else if (digits !== null && firstRows.get(digits) === row.row) {
          // Not sent (a problem, or refused): nothing registered under its CPF.
          expect(keys, `row ${String(row.row)} (${record?.situacao ?? ''})`).toHaveLength(0);
        }
      }
      expect(registered).toBe(done.counts.registered);
      // One audit entry per row sent, each marked with the job; the job's photos are gone.
      const audited = consoleDb
        .prepare<[string], { n: number; cpfs: number }>(
          "SELECT count(*) AS n, count(DISTINCT cpf_hash) AS cpfs FROM audit WHERE action = 'register' AND bulk_job = ?",
        )
        .get(id);
      expect(audited).toEqual({ n: done.counts.registered + done.counts.refused, cpfs: done.counts.registered + done.counts.refused });
      const photos = consoleDb.prepare<[string], { n: number }>('SELECT count(*) AS n FROM bulk_photos WHERE job_id = ?').get(id);
      expect(photos?.n).toBe(0);
    } finally {
      emulator.close();
      consoleDb.close();
    }
  });
});
