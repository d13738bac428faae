// `npm run bench -- load`: sustained load through the console's API (issue 17): 10,000
// registrations, then 10,000 look-ups, as logged-in registrars at 8 connections, with the audit
// trail written as always and the emulator's face check on (its default: face detection under load
// is the point). The console server runs in a child process as `npm run serve` runs it, once on
// SQLite (a fresh DATA_DIR) and once on PostgreSQL (a fresh database of the local server,
// FRC_TEST_DATABASE_URL's, dropped after), one after the other so that neither takes the cores
// from the other. 8 registrars are logged in and the requests go to them in turn, so that no
// account's rate limit sets the pace (API_RATE_LIMIT is also at its highest). The pictures are
// fixtures/bulk-portraits' real faces; a warm-up pass registers each once before anything is
// measured and keeps only those the face check accepts, so that any refusal in the measured run is
// an error. Each phase reports autocannon's figures, the audit entries written meanwhile (read from
// the database: one per call is the target) and the server's resident memory (from /proc).
// BENCH_LOAD_REGISTRATIONS, BENCH_LOAD_LOOKUPS and BENCH_LOAD_CONNECTIONS change the counts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { generateCpf } from '../../contract/cpf.ts';
import { accessDatabaseFile } from '../../server/access/store.ts';
import { BULK_PORTRAITS_DIR } from '../fixtures/bulk-batch.ts';
import { REGISTRATION_API as API, RATE_LIMIT, failureText, failuresOf, logIn, ms, registrationBody, startConsole } from './console-data.ts';
import type { ConsoleServer, StoreName } from './console-data.ts';
import { memoryOf } from './memory.ts';
import { postgresVersion } from '../../server/test/postgres-databases.ts';

/** A whole positive number from the environment, or the default. */
function count(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of 1 or more`);
  return value;
}

const REGISTRATIONS = count('BENCH_LOAD_REGISTRATIONS', 10_000);
const LOOKUPS = count('BENCH_LOAD_LOOKUPS', 10_000);
const CONNECTIONS = count('BENCH_LOAD_CONNECTIONS', 8);
const ACCOUNTS = 8;
const PASSWORD = 'bench-load-password';
/** Concurrent registrations of the warm-up: under the face check's queue (8), so none is refused as busy. */
const WARM_UP_CONCURRENCY = 4;
/** A client's wait for an answer: long enough that a slow answer is a latency, not a timeout. */
const TIMEOUT_SECONDS = 30;
const SAMPLE_MS = 200;
const STORES: readonly StoreName[] = ['SQLite', 'PostgreSQL'];

/** Resident memory of the server over a span, in MB. */
interface Memory {
  start: number;
  peak: number;
  end: number;
}

interface Phase {
  name: string;
  /** Requests sent (the calls the audit trail must hold). */
  calls: number;
  answered: number;
  seconds: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx, by status, and connection errors and timeouts. */
  errors: Map<string, number>;
  audited: number;
  memory: Memory;
}

interface StoreRun {
  store: StoreName;
  portraits: number;
  /** The warm-up's refusals, by status and title: the portraits left out. */
  refused: Map<string, number>;
  phases: Phase[];
  /** RSS once logged in, before the warm-up; its high-water mark at the end (VmHWM). */
  baseline: number;
  hwm: number;
}

interface AuditCounter {
  count: () => Promise<number>;
  close: () => Promise<void>;
}

/** The audit trail's entries, counted straight from the console's database (no store method counts them). */
function auditCounter(server: ConsoleServer): AuditCounter {
  if (server.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(server.dataDir), { readonly: true, fileMustExist: true });
    const statement = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
    return {
      count: () => Promise.resolve(statement.get()?.n ?? NaN),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const sql = postgres(server.databaseUrl, { max: 1, onnotice: () => undefined });
  return {
    count: async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit`;
      return row?.n ?? NaN;
    },
    close: () => sql.end({ timeout: 1 }),
  };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Runs `work` while sampling the server's RSS every SAMPLE_MS. */
async function watched<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; memory: Memory }> {
  const start = memoryOf(pid).rss;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid).rss);
  }, SAMPLE_MS);
  try {
    const value = await work();
    const end = memoryOf(pid).rss;
    return { value, memory: { start, peak: Math.max(peak, end), end } };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Registers each portrait once, WARM_UP_CONCURRENCY at a time: the face check's verdict on each,
 * and the server's detector, caches and JIT warmed before anything is measured.
 */
async function warmUp(server: ConsoleServer, headers: Record<string, string>, portraits: readonly string[]) {
  const accepted: string[] = [];
  const refused = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < portraits.length; i = next++) {
      const image = portraits[i] ?? '';
      const response = await fetch(`${server.base}${API}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: registrationBody(generateCpf(), image),
      });
      const body = (await response.json()) as { title?: string; image_status?: string };
      if (response.status === 201) accepted.push(image);
      else if (response.status === 400 && body.title === 'image_quality') {
        const what = `${body.title} ${body.image_status ?? ''}`.trim();
        refused.set(what, (refused.get(what) ?? 0) + 1);
      } else throw new Error(`warm-up registration on ${server.store}: ${String(response.status)} ${JSON.stringify(body)}`);
    }
  };
  await Promise.all(Array.from({ length: WARM_UP_CONCURRENCY }, worker));
  if (accepted.length === 0) throw new Error(`the face check on ${server.store} accepted none of the portraits`);
  return { accepted, refused };
}

/** One autocannon run of `amount` requests, the audit trail counted before and after. */
async function phase(
  name: string,
  server: ConsoleServer,
  audit: AuditCounter,
  amount: number,
  request: autocannon.Request,
): Promise<Phase> {
  const pid = server.child.pid ?? 0;
  const before = await audit.count();
  console.error(`bench load: ${server.store}, ${name}…`);
  // autocannon ends a run at its next one-second tick after the last answer, and says so in its
  // duration: the phase's time is taken from the first request to the last answer instead.
  let lastAnswer = 0;
  const timed: autocannon.Request = {
    ...request,
    onResponse: (status, body, context, headers) => {
      lastAnswer = performance.now();
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  };
  const started = performance.now();
  const { value: result, memory } = await watched(pid, () =>
    autocannon({ url: server.base, connections: CONNECTIONS, amount, timeout: TIMEOUT_SECONDS, requests: [timed] }),
  );
  const seconds = ((lastAnswer > started ? lastAnswer : performance.now()) - started) / 1000;
  const audited = (await audit.count()) - before;
  return {
    name,
    calls: result.requests.sent,
    answered: result.requests.total,
    seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: failuresOf(result),
    audited,
    memory,
  };
}

async function runOn(store: StoreName, portraits: readonly string[]): Promise<StoreRun> {
  const names = Array.from({ length: ACCOUNTS }, (_, i) => `bench-load-${String(i + 1)}`);
  const server = await startConsole(store, { bench: 'load', accounts: names, password: PASSWORD });
  try {
    const audit = auditCounter(server);
    try {
      return await measure(server, audit, names, portraits);
    } finally {
      await audit.close();
    }
  } finally {
    await server.stop();
  }
}

/** The warm-up, then the registrations, then the look-ups of what they registered. */
async function measure(
  server: ConsoleServer,
  audit: AuditCounter,
  names: readonly string[],
  portraits: readonly string[],
): Promise<StoreRun> {
  const { store } = server;
  const pid = server.child.pid;
  if (pid === undefined) throw new Error('the console server has no pid');
  const sessions: Record<string, string>[] = [];
  for (const name of names) sessions.push(await logIn(server, name, PASSWORD));
  const headersOf = (n: number) => sessions[n % sessions.length] ?? {};
  const baseline = memoryOf(pid).rss;

  console.error(`bench load: ${store}, warm-up (${String(portraits.length)} portraits)…`);
  const { accepted, refused } = await warmUp(server, headersOf(0), portraits);
  await sleep(1000);

  // Each request built is sent (autocannon builds the next only when it will send it), so the
  // counter hands the accounts out in turn and the CPF kept per context is the one sent.
  const registered: { key: string; cpf: string }[] = [];
  const sentCpf = new WeakMap<object, string>();
  let made = 0;
  const phases: Phase[] = [];
  phases.push(
    await phase(`POST registration (${String(accepted.length)} portraits in turn)`, server, audit, REGISTRATIONS, {
      method: 'POST',
      path: API,
      setupRequest: (req, context) => {
        const n = made++;
        const cpf = generateCpf();
        sentCpf.set(context, cpf);
        return {
          ...req,
          headers: { ...headersOf(n), 'content-type': 'application/json' },
          body: registrationBody(cpf, accepted[n % accepted.length] ?? ''),
        };
      },
      onResponse: (status, body, context) => {
        const cpf = sentCpf.get(context);
        if (status !== 201 || cpf === undefined) return;
        const { registration_key: key } = JSON.parse(body) as { registration_key: string };
        registered.push({ key, cpf });
      },
    }),
  );

  if (registered.length > 0) {
    let asked = 0;
    phases.push(
      await phase('GET by key and by CPF, in turn', server, audit, LOOKUPS, {
        method: 'GET',
        setupRequest: (req) => {
          const n = asked++;
          const entry = registered[Math.floor(n / 2) % registered.length] ?? { key: '', cpf: '' };
          return { ...req, headers: headersOf(n), path: n % 2 === 0 ? `${API}/${entry.key}` : `${API}/document_number/${entry.cpf}` };
        },
      }),
    );
  }
  return { store, portraits: portraits.length, refused, phases, baseline, hwm: memoryOf(pid).hwm };
}

const row = (store: StoreName, p: Phase) =>
  `| ${store} | ${p.name} | ${String(p.calls)} | ${p.seconds.toFixed(1)} | ${(p.answered / p.seconds).toFixed(1)} | ${ms(p.p50)} / ${ms(p.p99)} | ${failureText(p.errors)} | ${String(p.audited)} / ${String(p.calls)}${p.audited === p.calls ? '' : ' **(differ)**'} | ${p.memory.start.toFixed(0)} / ${p.memory.peak.toFixed(0)} / ${p.memory.end.toFixed(0)} |`;

function refusals(run: StoreRun): string {
  const kept = run.portraits - [...run.refused.values()].reduce((a, b) => a + b, 0);
  const left = [...run.refused.entries()].map(([what, n]) => `${String(n)}× ${what}`).join(', ');
  return `${String(kept)} of ${String(run.portraits)} on ${run.store}${left === '' ? '' : ` (left out: ${left})`}`;
}

export async function benchLoad(): Promise<string> {
  const files = readdirSync(BULK_PORTRAITS_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const jpegs = files.map((f) => readFileSync(join(BULK_PORTRAITS_DIR, f)));
  if (jpegs.length === 0) throw new Error(`no portraits in ${BULK_PORTRAITS_DIR}`);
  const portraits = jpegs.map((jpeg) => jpeg.toString('base64'));
  const kb = jpegs.reduce((sum, jpeg) => sum + jpeg.length, 0) / jpegs.length / 1024;
  const version = await postgresVersion();

  const runs: StoreRun[] = [];
  for (const store of STORES) runs.push(await runOn(store, portraits));

  const missing = runs.filter((r) => r.phases.length < 2).map((r) => r.store);
  return [
    `The console server (\`server/server.ts\`, as \`npm run serve\` runs it) in a child process, once on SQLite (a fresh DATA_DIR), then once on PostgreSQL ${version} (a fresh database on the same machine, over loopback), the emulator's face check **on** (its default), FACE_CHECK_WORKERS unset (the machine's cores), API_RATE_LIMIT=${String(RATE_LIMIT)}, LOG_LEVEL=warn. ${String(ACCOUNTS)} registrars are logged in, and the requests go to them in turn. A warm-up first registers each of fixtures/bulk-portraits' ${String(portraits.length)} JPEGs (${kb.toFixed(1)} KB on average) once, ${String(WARM_UP_CONCURRENCY)} at a time, and keeps those the face check accepts: ${runs.map(refusals).join('; ')}. Then autocannon, in the bench's own process, sends ${REGISTRATIONS.toLocaleString('en')} \`POST ${API}\` (the consent header, a CPF of its own each from \`generateCpf\`, the kept portraits in turn as base64 in the JSON body), then ${LOOKUPS.toLocaleString('en')} look-ups of the registrations just made, by key and by CPF in turn (\`GET ${API}/{key}\`, \`GET ${API}/document_number/{cpf}\`), at ${String(CONNECTIONS)} connections; a connection sends its next request when the previous one is answered (client timeout ${String(TIMEOUT_SECONDS)} s).`,
    `Requests per second: answers over the phase's wall time. Latency in ms (autocannon's resolution: 1 ms). Errors: answers other than 2xx by status, failed connections, timeouts (target: 0). Audit rows: the audit table's entries written during the phase (counted in the database before and after it) against the requests sent (target: equal). RSS: the server's VmRSS from /proc every ${String(SAMPLE_MS)} ms, at the phase's start, its peak, and at its end.${missing.length > 0 ? ` No look-ups on ${missing.join(', ')}: no registration succeeded.` : ''}`,
    '',
    '| store | phase | requests | seconds | req/s | p50 / p99 (ms) | errors | audit rows / calls | RSS start / peak / end (MB) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.flatMap((r) => r.phases.map((p) => row(r.store, p))),
    '',
    `Server RSS once logged in, before the warm-up: ${runs.map((r) => `${r.baseline.toFixed(0)} MB on ${r.store}`).join(', ')}; high-water mark over the whole run (VmHWM): ${runs.map((r) => `${r.hwm.toFixed(0)} MB on ${r.store}`).join(', ')}.`,
  ].join('\n');
}
