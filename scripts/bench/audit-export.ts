// `npm run bench -- audit-export`: the audit trail's CSV export (GET /api/admin/audit.csv) of a
// large trail, streamed (decision 011). For each store, a fresh console database (a SQLite file in
// a fresh DATA_DIR; a fresh schema of PostgreSQL's `frc_bench` database, made when missing, at
// FRC_BENCH_DATABASE_URL, by default the local server) gets 1,000,000 audit entries over the last
// year by direct SQL in one transaction (BENCH_AUDIT_ROWS to change the number). Then the console
// server runs in a child process as `npm run serve` runs it (like the memory bench), an admin logs
// in, a small export warms it up, its RSS 1 s later is the baseline, and the whole trail is
// exported in the pt-BR form (the default) while the child's RSS is sampled from /proc every 50 ms.
// The client reads the body as it comes and keeps none of it. Loopback only.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { hashPassword } from '../../server/access/passwords.ts';
import { openAccessStore } from '../../server/access/open-store.ts';
import { accessDatabaseFile } from '../../server/access/store.ts';
import { connectPostgres, redactDatabaseUrl } from '../../server/lib/postgres.ts';
import { exited, freePort, startProcess } from '../../server/test/process.ts';
import { memoryOf } from './memory.ts';

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const DATABASE_URL = process.env.FRC_BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/frc_bench';
const SAMPLE_MS = 50;
/** Peak RSS over the baseline the export may cost, whatever the number of entries (issue 14). */
const TARGET_MB = 100;
const PASSWORD = 'bench-audit-export-password';
const YEAR_MS = 365 * 86_400_000;

const ACTIONS = ['register', 'lookup_document', 'lookup_key', 'image', 'validation', 'login', 'logout'] as const;
const ENVIRONMENTS = ['local', 'sandbox', 'production'] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Data {
  env: Record<string, string>;
  insertSeconds: number;
  drop(): Promise<void>;
}

/** The console's tables (its migrations) and an admin, through the store, as `npm run user` makes one. */
async function prepare(location: { dataDir: string; databaseUrl?: string }): Promise<void> {
  const store = await openAccessStore(location);
  try {
    await store.createAccount({ name: 'bench-admin', role: 'admin', environments: null }, await hashPassword(PASSWORD));
  } finally {
    await store.close();
  }
}

/** A SQLite DATA_DIR with ROWS entries, newest now, oldest a year ago, as the console writes them. */
async function sqliteData(): Promise<Data> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-audit-'));
  await prepare({ dataDir });
  const start = performance.now();
  const db = new Database(accessDatabaseFile(dataDir));
  try {
    const insert = db.prepare(
      `INSERT INTO audit (at, actor, action, environment, cpf_masked, cpf_hash, registration_key, outcome, status, consent_term, address)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < ROWS; i += 1) {
        const action = ACTIONS[i % ACTIONS.length] ?? 'login';
        const digits = String(100_000 + (i % 900_000));
        const onCpf = action === 'register' || action === 'lookup_document' || action === 'validation';
        insert.run(
          new Date(now - YEAR_MS + Math.floor((i / ROWS) * YEAR_MS)).toISOString(),
          `staff-${String(i % 20).padStart(2, '0')}`,
          action,
          action === 'login' || action === 'logout' ? null : (ENVIRONMENTS[i % 3] ?? null),
          onCpf ? `***.${digits.slice(0, 3)}.${digits.slice(3)}-**` : null,
          onCpf ? randomBytes(32).toString('base64url') : null,
          action === 'register' || action === 'lookup_key' ? randomUUID() : null,
          i % 13 === 0 ? 'registration_not_found' : 'ok',
          i % 13 === 0 ? 404 : action === 'register' ? 201 : 200,
          action === 'register' ? '2026-11-26' : null,
          `10.0.${String(i % 250)}.${String(i % 200)}`,
        );
      }
    })();
  } finally {
    db.close();
  }
  return {
    env: { DATA_DIR: dataDir },
    insertSeconds: (performance.now() - start) / 1000,
    drop() {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A fresh schema of the bench database with ROWS entries, made by one INSERT … SELECT in one transaction. */
async function postgresData(): Promise<Data> {
  const maintenance = new URL(DATABASE_URL);
  maintenance.pathname = '/postgres';
  const admin = connectPostgres(maintenance.toString(), { max: 1 });
  try {
    const name = decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1));
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists === undefined) await admin`CREATE DATABASE ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const schema = `bench_audit_${randomUUID().replaceAll('-', '')}`;
  const sql = connectPostgres(DATABASE_URL, { max: 1 });
  await sql`CREATE SCHEMA ${sql(schema)}`;
  const url = new URL(DATABASE_URL);
  url.searchParams.set('search_path', schema);
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-audit-pg-'));
  await prepare({ dataDir, databaseUrl });
  const start = performance.now();
  const rows = connectPostgres(databaseUrl, { max: 1 });
  try {
    await rows.begin(async (tx) => {
      await tx`
        INSERT INTO audit (at, actor, action, environment, cpf_masked, cpf_hash, registration_key, outcome, status, consent_term, address)
        SELECT date_trunc('milliseconds', now() - interval '365 days' + (g::float8 / ${ROWS}) * interval '365 days'),
               'staff-' || lpad((g % 20)::text, 2, '0'),
               a.action,
               CASE WHEN a.action IN ('login', 'logout') THEN NULL ELSE (ARRAY['local', 'sandbox', 'production'])[g % 3 + 1] END,
               CASE WHEN a.action IN ('register', 'lookup_document', 'validation')
                    THEN '***.' || substr((100000 + g % 900000)::text, 1, 3) || '.' || substr((100000 + g % 900000)::text, 4) || '-**' END,
               CASE WHEN a.action IN ('register', 'lookup_document', 'validation') THEN md5(g::text) || md5((g + 1)::text) END,
               CASE WHEN a.action IN ('register', 'lookup_key') THEN gen_random_uuid()::text END,
               CASE WHEN g % 13 = 0 THEN 'registration_not_found' ELSE 'ok' END,
               CASE WHEN g % 13 = 0 THEN 404 WHEN a.action = 'register' THEN 201 ELSE 200 END,
               CASE WHEN a.action = 'register' THEN '2026-11-26' END,
               '10.0.' || (g % 250)::text || '.' || (g % 200)::text
        FROM generate_series(0, ${ROWS - 1}) g
        CROSS JOIN LATERAL (SELECT (${[...ACTIONS]}::text[])[g % ${ACTIONS.length} + 1] AS action) a`;
    });
    await rows`ANALYZE audit`;
  } finally {
    await rows.end();
  }
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    insertSeconds: (performance.now() - start) / 1000,
    async drop() {
      await sql`DROP SCHEMA ${sql(schema)} CASCADE`;
      await sql.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Figures {
  insertSeconds: number;
  lines: number;
  bytes: number;
  firstByteSeconds: number;
  seconds: number;
  baseline: number;
  peak: number;
  hwm: number;
  after: number;
}

/** Reads an answer's body as it comes, keeping only its size and its number of lines. */
async function drain(response: Response, onFirstByte: () => void): Promise<{ bytes: number; lines: number }> {
  if (response.body === null) return { bytes: 0, lines: 0 };
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    if (bytes === 0) onFirstByte();
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return { bytes, lines };
}

/** One export of the whole trail from a fresh console server on this data. */
async function measure(data: Data): Promise<Figures> {
  const port = await freePort();
  const child = await startProcess(
    'server/server.ts',
    { ...data.env, PORT: String(port), HOST: '127.0.0.1', LOCAL_EMULATOR: 'off', LOG_LEVEL: 'warn' },
    port,
  );
  const origin = `http://127.0.0.1:${String(port)}`;
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('the console server has no pid');
    const login = await fetch(`${origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-admin', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (login.status !== 200) throw new Error(`the bench's login answered ${String(login.status)}`);
    const headers = { cookie };
    // Warm-up: a page of the trail and a small export, as an admin opens the audit page first.
    await (await fetch(`${origin}/api/admin/audit`, { headers })).text();
    await (
      await fetch(`${origin}/api/admin/audit.csv?action=logout&from=${new Date(Date.now() - 86_400_000).toISOString()}`, { headers })
    ).text();
    await sleep(1000);
    const baseline = memoryOf(pid).rss;

    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(pid).rss);
    }, SAMPLE_MS);
    const start = performance.now();
    let firstByteSeconds = 0;
    let body: { bytes: number; lines: number };
    try {
      const response = await fetch(`${origin}/api/admin/audit.csv`, { headers });
      if (response.status !== 200) throw new Error(`the export answered ${String(response.status)}`);
      body = await drain(response, () => {
        firstByteSeconds = (performance.now() - start) / 1000;
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, memoryOf(pid).rss);
    await sleep(1000);
    const { rss: after, hwm } = memoryOf(pid);
    return {
      insertSeconds: data.insertSeconds,
      lines: body.lines,
      bytes: body.bytes,
      firstByteSeconds,
      seconds,
      baseline,
      peak,
      hwm,
      after,
    };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

const STORES: readonly { name: string; data: () => Promise<Data> }[] = [
  { name: 'SQLite', data: sqliteData },
  { name: 'PostgreSQL', data: postgresData },
];

export async function benchAuditExport(): Promise<string> {
  const rows: string[] = [];
  for (const store of STORES) {
    let data: Data;
    try {
      data = await store.data();
    } catch (error) {
      // No PostgreSQL here: said in the table rather than stopping the other figures.
      rows.push(`| ${store.name} | not measured: ${error instanceof Error ? error.message : String(error)} | | | | | | | |`);
      continue;
    }
    try {
      const f = await measure(data);
      const over = f.peak - f.baseline;
      // The header line is not an entry; the entries beyond ROWS are the bench's own login (and the like).
      const entries = f.lines - 1;
      rows.push(
        `| ${store.name} | ${entries.toLocaleString('en')} (${f.insertSeconds.toFixed(1)} s) | ${(f.bytes / 2 ** 20).toFixed(0)} MB | ${f.firstByteSeconds.toFixed(2)} s | ${f.seconds.toFixed(1)} s (${Math.round(entries / f.seconds).toLocaleString('en')}/s) | ${f.baseline.toFixed(0)} MB | ${f.peak.toFixed(0)} MB | **+${over.toFixed(0)} MB** (${over <= TARGET_MB ? 'met' : 'missed'}) | ${f.after.toFixed(0)} MB |`,
      );
    } finally {
      await data.drop();
    }
  }
  return [
    `${ROWS.toLocaleString('en')} audit entries spread over the last year, written by direct SQL in one transaction into a fresh console database (SQLite: a fresh DATA_DIR; PostgreSQL: a fresh schema of ${redactDatabaseUrl(DATABASE_URL)}). The console server (\`server/server.ts\`, as \`npm run serve\` runs it, LOCAL_EMULATOR=off) in a child process; after an admin's login, a page of the trail and a small export, its RSS (VmRSS from /proc) 1 s later is the baseline. Then GET /api/admin/audit.csv of the whole trail (pt-BR form), read by the client as it comes, the child's RSS sampled every ${String(SAMPLE_MS)} ms. Target: peak ≤ +${String(TARGET_MB)} MB over the baseline, whatever the number of entries.`,
    '',
    '| store | entries exported (insert time) | CSV | first byte | export time | baseline RSS | peak RSS | peak over baseline | RSS 1 s after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
