// `npm run bench -- bulk`: a 10,000-row bulk registration job (issue 16) against the console's
// own emulator, end to end through the console's API as the bulk page drives it: the ZIP's upload
// (multipart), the check of every row (photo prepared, face check, CPF looked up), and the sending
// (one registration per row, each with the emulator's own face check and duplicate-face search).
// The console server runs in a child process as `npm run serve` runs it (a fresh DATA_DIR, SQLite),
// with the local pace raised to what the emulator can take (BULK_LOCAL_RATE=100,
// BULK_LOCAL_CONCURRENCY=4; the default, 20 rows/s, is a ceiling of its own); its resident memory
// is sampled from /proc every 200 ms. The ZIP is made from the shared fixtures' 437 portraits when
// they are beside the repository (else fixtures/bulk-portraits), each photo made distinct bytes.
// BENCH_BULK_ROWS changes the number of rows. Loopback only.
import { existsSync, mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../../server/access/passwords.ts';
import { openAccessStore } from '../../server/access/open-store.ts';
import { exited, freePort, startProcess } from '../../server/test/process.ts';
import { BULK_PORTRAITS_DIR, makeBenchBatch } from '../fixtures/bulk-batch.ts';
import { memoryOf } from './memory.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 10_000);
const SHARED_PORTRAITS = join(ROOT, '..', 'shared', 'fixtures', 'portraits');
const PASSWORD = 'bench-bulk-password';
const SAMPLE_MS = 200;
const RATE = '100';
const CONCURRENCY = '4';

interface JobAnswer {
  id: string;
  status: string;
  counts: {
    total: number;
    checked: number;
    ready: number;
    problems: number;
    already_registered: number;
    registered: number;
    refused: number;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchBulk(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-bulk-'));
  const portraitsDir = existsSync(SHARED_PORTRAITS) ? SHARED_PORTRAITS : BULK_PORTRAITS_DIR;
  const zipPath = join(dataDir, 'lote.zip');
  const made = performance.now();
  await makeBenchBatch(zipPath, ROWS, portraitsDir);
  const zipMb = statSync(zipPath).size / 1024 / 1024;
  const makeSeconds = (performance.now() - made) / 1000;
  const store = await openAccessStore({ dataDir });
  try {
    await store.createAccount({ name: 'bench-registrar', role: 'registrar', environments: null }, await hashPassword(PASSWORD));
  } finally {
    await store.close();
  }

  const port = await freePort();
  const child = await startProcess(
    'server/server.ts',
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BULK_LOCAL_RATE: RATE,
      BULK_LOCAL_CONCURRENCY: CONCURRENCY,
    },
    port,
  );
  const origin = `http://127.0.0.1:${String(port)}`;
  const pid = child.pid ?? 0;
  let peak = { upload: 0, check: 0, send: 0 };
  let phase: keyof typeof peak = 'upload';
  const sampling = { on: true };
  const sampler = (async () => {
    while (sampling.on) {
      peak = { ...peak, [phase]: Math.max(peak[phase], memoryOf(pid).rss) };
      await sleep(SAMPLE_MS);
    }
  })();
  try {
    const login = await fetch(`${origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-registrar', password: PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`login answered ${String(login.status)}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const api = async (path: string, init: RequestInit = {}): Promise<JobAnswer> => {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      const response = await fetch(`${origin}${path}`, { ...init, headers });
      if (response.status >= 300) throw new Error(`${path} answered ${String(response.status)}: ${await response.text()}`);
      return (await response.json()) as JobAnswer;
    };
    await sleep(1000);
    const baseline = memoryOf(pid).rss;

    const form = new FormData();
    form.append('zip', await openAsBlob(zipPath), 'lote.zip');
    const uploadStart = performance.now();
    const created = await api('/api/local/bulk/jobs', { method: 'POST', body: form });
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    phase = 'check';
    const checkStart = performance.now();
    let job = created;
    while (job.status === 'checking') {
      await sleep(500);
      job = await api(`/api/bulk/jobs/${created.id}`);
    }
    const checkSeconds = (performance.now() - checkStart) / 1000;
    const checked = job;

    phase = 'send';
    const sendStart = performance.now();
    await api(`/api/bulk/jobs/${created.id}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: checked.counts.ready }),
    });
    do {
      await sleep(500);
      job = await api(`/api/bulk/jobs/${created.id}`);
    } while (job.status !== 'done' && job.status !== 'paused' && job.status !== 'cancelled');
    const sendSeconds = (performance.now() - sendStart) / 1000;
    const after = memoryOf(pid);
    sampling.on = false;
    await sampler;

    const sent = job.counts.registered + job.counts.refused;
    const perSecond = (n: number, s: number) => (n / s).toFixed(1);
    return [
      `A ${ROWS.toLocaleString('en')}-row job (ZIP ${zipMb.toFixed(0)} MB, made in ${makeSeconds.toFixed(0)} s from ${portraitsDir === SHARED_PORTRAITS ? 'the 437 shared portraits' : 'fixtures/bulk-portraits'}), local emulator with its face check, SQLite, BULK_LOCAL_RATE=${RATE}, BULK_LOCAL_CONCURRENCY=${CONCURRENCY}. Ended \`${job.status}\`: ${String(job.counts.registered)} registered, ${String(job.counts.refused)} refused, ${String(checked.counts.problems)} problems, ${String(checked.counts.already_registered)} already registered.`,
      '',
      '| phase | rows | seconds | rows/s | peak RSS (MB) |',
      '| --- | --- | --- | --- | --- |',
      `| upload (multipart, ZIP read, photos stored) | ${String(created.counts.total)} | ${uploadSeconds.toFixed(1)} | ${perSecond(created.counts.total, uploadSeconds)} | ${peak.upload.toFixed(0)} |`,
      `| check (photo prepared, face check, CPF looked up) | ${String(checked.counts.checked)} | ${checkSeconds.toFixed(1)} | ${perSecond(checked.counts.checked, checkSeconds)} | ${peak.check.toFixed(0)} |`,
      `| send (one registration per row, answers kept, audited) | ${String(sent)} | ${sendSeconds.toFixed(1)} | ${perSecond(sent, sendSeconds)} | ${peak.send.toFixed(0)} |`,
      '',
      `Server RSS: ${baseline.toFixed(0)} MB before the upload, ${Math.max(peak.upload, peak.check, peak.send).toFixed(0)} MB at most during the job, ${after.rss.toFixed(0)} MB after it (high-water mark ${after.hwm.toFixed(0)} MB).`,
    ].join('\n');
  } finally {
    sampling.on = false;
    await sampler;
    child.kill('SIGTERM');
    await exited(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
