// Two instances of the console on one PostgreSQL database, as behind a load balancer (issue 14,
// decision 010), for the `instances` project (instances.spec.ts). Each run makes a database of its
// own on the local PostgreSQL server, seeds its accounts with `npm run user`, starts the production
// build twice on it (`node dist-server/server/server.js`, as the `chromium` project's server runs
// after `npm start` has built it), each with its own DATA_DIR and port, and no SESSION_SECRET nor
// EMULATOR_API_KEY: the keys must come from the database. Then a round-robin balancer in front of
// both. Everything is stopped, and the database dropped, when the worker ends.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import type { Role } from '../../contract/access.ts';
import { E2E_PASSWORD } from './accounts.ts';
import { port } from './upstreams.ts';
import { consoleReady, startConsole, stopConsole } from './console-process.ts';
import type { ConsoleProcess } from './console-process.ts';
import { databaseUrl, dropDatabase, recreateDatabase } from '../../server/test/postgres-databases.ts';

export { postgresUnavailable } from '../../server/test/postgres-databases.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Ports after the stand-ins' (upstreams.ts: +1..+3): the two instances and the balancer; not +6,
 * which by default (8186) is the console server of the SPA's Vitest tests (TEST_CONSOLE_PORT).
 */
const instancePorts = { a: port + 4, b: port + 5, balancer: port + 7 } as const;

/** The accounts of the instances' database (password E2E_PASSWORD). */
export const instanceAccounts = {
  admin: 'inst-admin',
  registrar: 'inst-registrar',
  /** Disabled by the admin during the run. */
  support: 'inst-support',
} as const satisfies Partial<Record<Role, string>>;

/** This run's database on the local PostgreSQL server (postgres-databases.ts), named after E2E_PORT so that runs on other ports never meet. */
const DATABASE = `frc_e2e_instances_${String(port)}`;

/** This run's database: every instance's DATABASE_URL. */
const instancesDatabaseUrl = databaseUrl(DATABASE);

/** The environment of a console process on this run's database: no key given, so all come from it. */
const NOT_INHERITED = new Set(['SESSION_SECRET', 'EMULATOR_API_KEY', 'QITECH_SANDBOX_API_KEY', 'QITECH_PRODUCTION_API_KEY', 'TRUST_PROXY']);

function consoleEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !NOT_INHERITED.has(name));
  return { ...Object.fromEntries(inherited), DATABASE_URL: instancesDatabaseUrl, LOG_LEVEL: 'warn', ...extra };
}

/** The accounts, with `npm run user -- add` (its script, without npm's banner) on DATABASE_URL. */
function seedInstanceAccounts(dataDir: string): void {
  for (const [role, name] of Object.entries(instanceAccounts)) {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'server', 'cli', 'user.ts'), 'add', name, '--role', role, '--password-stdin'],
      { cwd: ROOT, env: consoleEnv({ DATA_DIR: dataDir }), input: `${E2E_PASSWORD}\n`, stdio: ['pipe', 'ignore', 'inherit'] },
    );
  }
}

type Instance = ConsoleProcess;

/** One instance on this run's database, with its own DATA_DIR and port. */
function startInstance(name: string, instancePort: number, dataDir: string): Instance {
  return startConsole(`instance ${name}`, instancePort, consoleEnv({ DATA_DIR: dataDir }));
}

export interface Balancer {
  url: string;
  /** How many /api requests each instance was sent: [A, B]. */
  apiRequests: [number, number];
}

/**
 * A round-robin load balancer on one port: each request, whatever it is, goes to the next
 * instance in turn, its headers (Host, Cookie, Origin) as they came, as a layer-7 balancer without
 * sticky sessions does.
 */
function startBalancer(targets: readonly [Instance, Instance], balancerPort: number): Promise<{ balancer: Balancer; server: Server }> {
  const balancer: Balancer = { url: `http://127.0.0.1:${String(balancerPort)}`, apiRequests: [0, 0] };
  let next: 0 | 1 = 0;
  const server = createServer((incoming, outgoing) => {
    const index = next;
    next = next === 0 ? 1 : 0;
    if (incoming.url?.startsWith('/api/') === true) balancer.apiRequests[index] += 1;
    const target = new URL(targets[index].url);
    const upstream = forward(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(balancerPort, '127.0.0.1', () => {
      resolve({ balancer, server });
    });
  });
}

export interface Instances {
  /** Instance A's and B's base URLs. */
  a: string;
  b: string;
  balancer: Balancer;
}

/** `test` of @playwright/test with the two instances (and their balancer), one set per worker. */
export const test = base.extend<object, { instances: Instances }>({
  instances: [
    // eslint-disable-next-line no-empty-pattern -- Playwright's fixtures take their dependencies destructured; this one has none.
    async ({}, use) => {
      await recreateDatabase(DATABASE);
      const dirs = ['cli', 'a', 'b'].map((name) => mkdtempSync(join(tmpdir(), `frc-e2e-instance-${name}-`)));
      const [cliDir = '', aDir = '', bDir = ''] = dirs;
      const started: Instance[] = [];
      let server: Server | undefined;
      let codes: (number | null)[] = [];
      try {
        seedInstanceAccounts(cliDir);
        // Started together: both apply the migrations at once (the advisory lock makes one wait).
        const a = startInstance('A', instancePorts.a, aDir);
        const b = startInstance('B', instancePorts.b, bDir);
        started.push(a, b);
        await Promise.all([consoleReady(a), consoleReady(b)]);
        const front = await startBalancer([a, b], instancePorts.balancer);
        server = front.server;
        await use({ a: a.url, b: b.url, balancer: front.balancer });
      } finally {
        await new Promise<void>((resolve) => {
          if (server === undefined) resolve();
          else {
            server.closeAllConnections();
            server.close(() => {
              resolve();
            });
          }
        });
        codes = await Promise.all(started.map(stopConsole));
        await dropDatabase(DATABASE);
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      }
      // A clean stop is part of what is tested: SIGTERM ends each instance with 0.
      const unclean = started.filter((_, i) => codes[i] !== 0);
      if (unclean.length > 0) throw new Error(`an instance did not exit 0 on SIGTERM:\n${unclean.map((i) => i.output()).join('\n')}`);
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});
