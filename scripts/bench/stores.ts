// `npm run bench -- stores`: what the console's API answers per second on each store (issue 14):
// SQLite files in DATA_DIR against PostgreSQL (DATABASE_URL). The console server runs in a child
// process twice, as `npm run serve` runs it: once on a fresh DATA_DIR, once on a fresh database of
// the local PostgreSQL server (FRC_TEST_DATABASE_URL's, dropped after). The emulator's face check
// is off (EMULATOR_FACE_CHECK=off), so that the store, not face detection, is what is measured;
// the API's rate limit is raised to its highest setting (API_RATE_LIMIT=100000 a minute per
// account) and every measurement has an account of its own, logged in as a registrar. autocannon
// loads each server in turn for each line, so that drift of the machine hits both alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { generateCpf } from '../../contract/cpf.ts';
import {
  REGISTRATION_API as API,
  RATE_LIMIT,
  failureText,
  failuresOf,
  logIn as logInAs,
  ms,
  registrationBody,
  startConsole,
} from './console-data.ts';
import { postgresVersion } from '../../server/test/postgres-databases.ts';
import type { ConsoleServer, StoreName } from './console-data.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;
const CLIENTS = [1, 8, 32] as const;
/** Registrations made before the look-ups, whose keys and CPFs they ask for in turn. */
const LOOKUP_SET = 500;
const PASSWORD = 'bench-stores-password';

interface Server extends ConsoleServer {
  /** Accounts not used yet: one per measurement, so no rate-limit window holds two. */
  accounts: string[];
  /** Registrations the look-ups ask for. */
  registered: { key: string; cpf: string }[];
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Answers other than 2xx, by status, and connection errors and timeouts. */
  errors: Map<string, number>;
}

type Operation = 'register' | 'by key' | 'by CPF';

async function start(store: StoreName, accounts: number): Promise<Server> {
  const names = Array.from({ length: accounts }, (_, i) => `bench-${String(i + 1)}`);
  const server = await startConsole(store, { bench: 'stores', accounts: names, password: PASSWORD, env: { EMULATOR_FACE_CHECK: 'off' } });
  return { ...server, accounts: names, registered: [] };
}

/** Logs the next unused account in; the headers of its requests. */
async function logIn(server: Server): Promise<Record<string, string>> {
  const name = server.accounts.shift();
  if (name === undefined) throw new Error('no account left');
  return logInAs(server, name, PASSWORD);
}

/** Registers LOOKUP_SET customers one by one, for the look-ups. */
async function seedLookups(server: Server, image: string): Promise<void> {
  const headers = { ...(await logIn(server)), 'content-type': 'application/json' };
  for (let i = 0; i < LOOKUP_SET; i += 1) {
    const cpf = generateCpf();
    const response = await fetch(`${server.base}${API}`, {
      method: 'POST',
      headers,
      body: registrationBody(cpf, image),
    });
    if (response.status !== 201) throw new Error(`seeding on ${server.store}: ${String(response.status)} ${await response.text()}`);
    const { registration_key: key } = (await response.json()) as { registration_key: string };
    server.registered.push({ key, cpf });
  }
}

/** One autocannon run of `operation` against a server, as a newly logged-in registrar. */
async function load(server: Server, operation: Operation, connections: number, seconds: number, image: string): Promise<Figures> {
  const headers = await logIn(server);
  let next = 0;
  const pick = () => {
    const entry = server.registered[next % server.registered.length];
    next += 1;
    if (entry === undefined) throw new Error('nothing registered to look up');
    return entry;
  };
  const request: autocannon.Request =
    operation === 'register'
      ? {
          method: 'POST',
          path: API,
          headers: { ...headers, 'content-type': 'application/json' },
          // A CPF of its own for every registration.
          setupRequest: (req) => ({ ...req, body: registrationBody(generateCpf(), image) }),
        }
      : {
          method: 'GET',
          headers,
          setupRequest: (req) => ({
            ...req,
            path: operation === 'by key' ? `${API}/${pick().key}` : `${API}/document_number/${pick().cpf}`,
          }),
        };
  const result = await autocannon({ url: server.base, connections, duration: seconds, requests: [request] });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: failuresOf(result),
  };
}

const cell = (f: Figures) => `${f.rps.toFixed(0)} | ${ms(f.p50)} / ${ms(f.p99)} | ${failureText(f.errors)}`;

export async function benchStores(): Promise<string> {
  // A small JPEG: the portrait at 240 px wide, so that the picture's bytes weigh little beside the store's work.
  const picture = await sharp(readFileSync(join(ROOT, 'fixtures', 'images', 'face-single-centered.jpg')))
    .resize({ width: 240 })
    .jpeg({ quality: 80 })
    .toBuffer();
  const image = picture.toString('base64');
  const operations: readonly Operation[] = ['register', 'by key', 'by CPF'];
  // One account per measurement, warm-up and seeding included.
  const accounts = 1 + operations.length * (CLIENTS.length + 1);
  const version = await postgresVersion();
  const servers: Server[] = [];
  try {
    servers.push(await start('SQLite', accounts));
    servers.push(await start('PostgreSQL', accounts));
    const [sqlite, pg] = servers as [Server, Server];
    for (const server of servers) await seedLookups(server, image);

    const rows: string[] = [];
    const totals = new Map<StoreName, number>([
      ['SQLite', LOOKUP_SET],
      ['PostgreSQL', LOOKUP_SET],
    ]);
    for (const operation of operations) {
      for (const server of servers) await load(server, operation, 8, WARM_UP_SECONDS, image);
      for (const clients of CLIENTS) {
        console.error(`bench stores: ${operation}, ${String(clients)} clients…`);
        const a = await load(sqlite, operation, clients, SECONDS, image);
        const b = await load(pg, operation, clients, SECONDS, image);
        if (operation === 'register') {
          totals.set('SQLite', (totals.get('SQLite') ?? 0) + a.requests);
          totals.set('PostgreSQL', (totals.get('PostgreSQL') ?? 0) + b.requests);
        }
        const label = { register: 'POST registration', 'by key': 'GET by key', 'by CPF': 'GET by CPF' }[operation];
        rows.push(`| ${label} | ${String(clients)} | ${cell(a)} | ${cell(b)} | ${(b.rps / a.rps).toFixed(2)}× |`);
      }
    }
    const kb = (picture.length / 1024).toFixed(1);
    return [
      `The console server (\`server/server.ts\`, as \`npm run serve\` runs it) in a child process, twice: on SQLite (a fresh DATA_DIR) and on PostgreSQL ${version} (a fresh database on the same machine, reached over loopback, the server's default settings; the console's pools: 10 connections, the emulator's 5). **EMULATOR_FACE_CHECK=off**, so that the store is what is measured, not face detection; API_RATE_LIMIT=${String(RATE_LIMIT)} (its highest) and an account of its own for each line. Every request is a registrar's, through the whole console: the session read from the store, the rate limit counted (in memory with SQLite, an upsert in the database with PostgreSQL), the emulator's store, and an audit entry written.`,
      `autocannon, in the bench's own process on the same machine, loads each server in turn for ${String(SECONDS)} s per line, after a ${String(WARM_UP_SECONDS)} s warm-up of each request at 8 clients; a client sends its next request when the previous one is answered. Registrations: \`POST ${API}\` with the consent header, a CPF of its own each (\`generateCpf\`), and face-single-centered.jpg reduced to a 240 px wide JPEG (${kb} KB). Look-ups ask in turn for ${String(LOOKUP_SET)} registrations made before the first line; the registrations table then holds ${String(LOOKUP_SET)} + those of the registration lines (${String(totals.get('SQLite'))} on SQLite, ${String(totals.get('PostgreSQL'))} on PostgreSQL). Latency in ms (autocannon's resolution: 1 ms); errors are answers other than 2xx, by status, and failed connections.`,
      '',
      '| request | clients | SQLite req/s | SQLite p50 / p99 | SQLite errors | PostgreSQL req/s | PostgreSQL p50 / p99 | PostgreSQL errors | PostgreSQL / SQLite |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  } finally {
    for (const server of servers) await server.stop();
  }
}
