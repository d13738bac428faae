// What the benches that load the whole console server through its API share (`stores`, `load`):
// the server in a child process as `npm run serve` runs it, on a fresh store (SQLite in a fresh
// DATA_DIR, or a fresh database of the local PostgreSQL server, FRC_TEST_DATABASE_URL's, dropped
// after), with its registrars made before it starts as `npm run user -- add` makes them; their
// logins; a registration's body; and autocannon's failed requests counted by status.
import { mkdtempSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { CONSENT_HEADER } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { hashPassword } from '../../server/access/passwords.ts';
import { openAccessStore } from '../../server/access/open-store.ts';
import { SESSION_COOKIE } from '../../server/access/sessions.ts';
import { exited, freePort, startProcess } from '../../server/test/process.ts';
import { databaseUrl as urlOf, dropDatabase, recreateDatabase } from '../../server/test/postgres-databases.ts';

export const REGISTRATION_API = '/api/local/face_recognition/registration';
/** The API's rate limit at its highest (a minute per account): the bench, not the limit, sets the pace. */
export const RATE_LIMIT = 100_000;

export type StoreName = 'SQLite' | 'PostgreSQL';

export interface ConsoleServer {
  store: StoreName;
  base: string;
  child: ChildProcess;
  dataDir: string;
  /** The server's DATABASE_URL on PostgreSQL; undefined on SQLite. */
  databaseUrl: string | undefined;
  /** Stops the server and removes its data: the DATA_DIR, and the database on PostgreSQL. */
  stop: () => Promise<void>;
}

export interface ConsoleOptions {
  /** Names the temporary DATA_DIR (`frc-bench-<bench>-…`) and database (`frc_bench_<bench>_<pid>`). */
  bench: string;
  /** Registrars made before the server starts, each with `password`. */
  accounts: readonly string[];
  password: string;
  /** The server's settings beyond where its data is and where it listens (EMULATOR_FACE_CHECK, …). */
  env?: Record<string, string>;
}

/**
 * The console server on a fresh store, LOG_LEVEL=warn and API_RATE_LIMIT at its highest: every
 * request is a logged-in account's, and a bench of a few accounts must not meet their limit.
 */
export async function startConsole(store: StoreName, options: ConsoleOptions): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `frc-bench-${options.bench}-`));
  const database = `frc_bench_${options.bench}_${String(process.pid)}`;
  let databaseUrl: string | undefined;
  if (store === 'PostgreSQL') {
    await recreateDatabase(database);
    databaseUrl = urlOf(database);
  }
  const cleanUp = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl === undefined) return;
    await dropDatabase(database);
  };
  try {
    // The registrars, made as `npm run user -- add` makes them, before the server opens the store.
    const access = await openAccessStore({ dataDir, databaseUrl });
    try {
      const hash = await hashPassword(options.password);
      for (const name of options.accounts) await access.createAccount({ name, role: 'registrar', environments: null }, hash);
    } finally {
      await access.close();
    }

    const port = await freePort();
    const child = await startProcess(
      'server/server.ts',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        // Empty is unset: SQLite, whatever the shell's DATABASE_URL.
        DATABASE_URL: databaseUrl ?? '',
        API_RATE_LIMIT: String(RATE_LIMIT),
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      port,
    );
    const stop = async () => {
      child.kill('SIGTERM');
      await exited(child);
      await cleanUp();
    };
    return { store, base: `http://127.0.0.1:${String(port)}`, child, dataDir, databaseUrl, stop };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Logs an account in; the headers of its requests: the session cookie and the consent header. */
export async function logIn(server: ConsoleServer, name: string, password: string): Promise<Record<string, string>> {
  const response = await fetch(`${server.base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (response.status !== 200) throw new Error(`login of ${name} on ${server.store}: ${String(response.status)} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (cookie === undefined) throw new Error('no session cookie');
  return { cookie: cookie.split(';')[0] ?? '', [CONSENT_HEADER]: CONSENT_TERM.version };
}

/** The JSON body of `POST /api/{env}/face_recognition/registration`: a CPF and a picture in base64. */
export function registrationBody(cpf: string, image: string): string {
  return JSON.stringify({ document_number: cpf, image });
}

/** Answers other than 2xx, by status, then connection errors and timeouts, of an autocannon run. */
export function failuresOf(result: autocannon.Result): Map<string, number> {
  const errors = new Map<string, number>();
  for (const [status, { count = 0 }] of Object.entries(result.statusCodeStats ?? {})) {
    if (!status.startsWith('2') && count > 0) errors.set(status, count);
  }
  if (result.errors > 0) errors.set('connection errors', result.errors);
  if (result.timeouts > 0) errors.set('timeouts', result.timeouts);
  return errors;
}

export function failureText(errors: Map<string, number>): string {
  if (errors.size === 0) return '0';
  return [...errors.entries()].map(([what, count]) => `${String(count)}× ${what}`).join(', ');
}

/** Milliseconds as autocannon counts them (whole ms): under one is said so. */
export const ms = (value: number) => (value < 1 ? '<1' : value.toFixed(0));
