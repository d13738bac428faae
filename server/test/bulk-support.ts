import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { expect, onTestFinished } from 'vitest';
import type { Account } from '../../contract/access.ts';
import type { AuditEntry } from '../../contract/access-admin.ts';
import type { BulkJob } from '../../contract/bulk.ts';
import { generateCpf } from '../../contract/cpf.ts';
import { emulatorApiKey } from '../app.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import type { FaceCheck } from '../emulator/image-check.ts';
import { openAccessStore } from '../access/open-store.ts';
import { Problem } from '../lib/problem.ts';
import { logIn, seedAccounts, tempDir, testDatabaseUrl } from './helper.ts';

/** A picture this wide is refused by the tests' face check (`no_face`): an `image_quality` row without a detector. */
export const NO_FACE_WIDTH = 333;

/** The tests' face check: cheap, and refusing only pictures NO_FACE_WIDTH wide. */
const cheapFaceCheck: FaceCheck = (picture) => {
  if (picture.width === NO_FACE_WIDTH) {
    return Promise.reject(new Problem(400, 'image_quality', 'No face was found in the picture.', { imageStatus: 'no_face' }));
  }
  return Promise.resolve(undefined);
};

/** A distinct JPEG for row `n` (its colour is its own: no two are the same bytes). */
export function photo(n: number, width = 400, height = 500): Promise<Buffer> {
  const background = { r: (n * 37) % 256, g: (n * 91 + 17) % 256, b: Math.floor(n / 7) % 256 };
  return sharp({ create: { width, height, channels: 3, background } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Synthetic CPFs, all different. */
export function cpfs(count: number): string[] {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(generateCpf());
  return [...seen];
}

export function zipOf(files: Record<string, Buffer | string>): Buffer {
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, typeof content === 'string' ? Buffer.from(content) : content] as const),
  );
  return Buffer.from(zipSync(entries, { level: 1 }));
}

export interface Part {
  field: string;
  filename?: string;
  content: Buffer | string;
}

/** A multipart/form-data body of these parts, in order. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----frc${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.field}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\ncontent-type: application/octet-stream\r\n\r\n`));
    chunks.push(typeof part.content === 'string' ? Buffer.from(part.content) : part.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A CSV with this header and rows. */
export function csvOf(
  rows: string[][],
  separator = ';',
  header = ['document_number', 'file', 'consent_term_version', 'consent_date'],
): string {
  return [header, ...rows].map((cells) => cells.join(separator)).join('\r\n') + '\r\n';
}

export interface BulkApp {
  app: FastifyInstance;
  /** inject with the session of an account (`as`), the admin's unless told. */
  as(name: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  config: Config;
}

/**
 * The whole console for bulk tests: its own data (or `overrides`' dataDir and databaseUrl, to
 * restart on the same), the tests' face check, a fast runner, no rate limit in the way. `admin`
 * is logged in; `accounts` are made and logged in too.
 */
export async function bulkApp(overrides: Partial<Config> = {}, accounts: Account[] = []): Promise<BulkApp> {
  const databaseUrl = 'databaseUrl' in overrides ? overrides.databaseUrl : await testDatabaseUrl();
  const base = loadConfig({});
  const config: Config = {
    ...base,
    dataDir: tempDir(),
    apiRateLimit: 100_000,
    bulkPace: { local: { rate: 100, concurrency: 2 }, sandbox: { rate: 100, concurrency: 2 }, production: { rate: 100, concurrency: 2 } },
    ...overrides,
    databaseUrl,
  };
  const access = await openAccessStore(config);
  if (config.localEmulator) await emulatorApiKey(config, access);
  if ((await access.findAccount('admin')) === undefined) {
    await seedAccounts(access, [{ name: 'admin', role: 'admin', environments: null }, ...accounts]);
  }
  const app = await buildServer({
    config,
    access,
    logger: false,
    faceCheck: cheapFaceCheck,
    bulkTiming: { tickMs: 20, renewMs: 1_000 },
  });
  let closed = false;
  app.addHook('onClose', () => {
    closed = true;
  });
  onTestFinished(async () => {
    if (!closed) await app.close();
  });
  await app.ready();
  const cookies = new Map<string, string>();
  for (const name of ['admin', ...accounts.map((a) => a.name)]) cookies.set(name, await logIn(app, name));
  const as = (name: string, options: InjectOptions) =>
    app.inject({ ...options, headers: { cookie: cookies.get(name) ?? '', ...options.headers } });
  return { app, as, config };
}

export async function upload(bulk: BulkApp, env: string, parts: Part[], as = 'admin'): Promise<LightMyRequestResponse> {
  const { payload, headers } = multipart(parts);
  return bulk.as(as, { method: 'POST', url: `/api/${env}/bulk/jobs`, payload, headers });
}

async function getJob(bulk: BulkApp, id: string): Promise<BulkJob> {
  const response = await bulk.as('admin', { method: 'GET', url: `/api/bulk/jobs/${id}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<BulkJob>();
}

/** Polls the job until `done` says so (10 s at most). */
export async function waitForJob(bulk: BulkApp, id: string, done: (job: BulkJob) => boolean, what = 'the job'): Promise<BulkJob> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const job = await getJob(bulk, id);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`${what} did not get there: ${JSON.stringify({ status: job.status, counts: job.counts })}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function action(bulk: BulkApp, id: string, name: string, payload?: object, as = 'admin'): Promise<LightMyRequestResponse> {
  return bulk.as(as, { method: 'POST', url: `/api/bulk/jobs/${id}/${name}`, ...(payload === undefined ? {} : { payload }) });
}

/** Every entry of the audit trail with this action (newest first). */
export async function auditEntries(bulk: BulkApp, auditAction: string): Promise<AuditEntry[]> {
  const response = await bulk.as('admin', { method: 'GET', url: `/api/admin/audit?action=${auditAction}&limit=500` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ entries: AuditEntry[] }>().entries;
}

/** What the fake QI Tech does with a registration: register and answer, answer something else, or register and never answer. */
type PostBehaviour = 'register' | 'register_silently' | { status: number; body: unknown };
/** What it does with a look-up: answer from its registrations, or answer something else. */
type GetBehaviour = 'answer' | { status: number; body: unknown };

/**
 * QI Tech on loopback for the bulk tests: registrations by CPF in memory (lookup answers the
 * newest), every POST recorded. `onPost` decides each registration's answer (its nth for that CPF).
 */
export interface FakeQiTech {
  url: string;
  registrations: Map<string, string[]>;
  /** The CPF of every POST, in order. */
  posts: string[];
  gets: number;
  onPost: (cpf: string, nth: number) => PostBehaviour;
  onGet: (cpf: string) => GetBehaviour;
  /** Milliseconds each POST waits before it answers. */
  delayMs: number;
}

export async function fakeQiTech(): Promise<FakeQiTech> {
  const hanging = new Set<ServerResponse>();
  const fake: FakeQiTech = {
    url: '',
    registrations: new Map(),
    posts: [],
    gets: 0,
    onPost: () => 'register',
    onGet: () => 'answer',

    delayMs: 0,
  };
  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      if (request.method === 'GET' && url.startsWith('/face_recognition/registration/document_number/')) {
        fake.gets += 1;
        const cpf = decodeURIComponent(url.split('/').at(-1) ?? '');
        const behaviour = fake.onGet(cpf);
        if (behaviour !== 'answer') {
          send(response, behaviour.status, behaviour.body);
          return;
        }
        const key = fake.registrations.get(cpf)?.at(-1);
        if (key === undefined) send(response, 404, { title: 'registration_not_found', description: 'none' });
        else send(response, 200, { registration_key: key });
        return;
      }
      if (request.method === 'POST' && url === '/face_recognition/registration') {
        const { document_number: cpf } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { document_number: string };
        const nth = fake.posts.filter((c) => c === cpf).length;
        fake.posts.push(cpf);
        const behaviour = fake.onPost(cpf, nth);
        const register = () => {
          const key = randomUUID();
          fake.registrations.set(cpf, [...(fake.registrations.get(cpf) ?? []), key]);
          return key;
        };
        setTimeout(() => {
          if (behaviour === 'register') send(response, 201, { registration_key: register() });
          else if (behaviour === 'register_silently') {
            register();
            hanging.add(response);
          } else send(response, behaviour.status, behaviour.body);
        }, fake.delayMs);
        return;
      }
      send(response, 404, { title: 'not_found', description: 'no such route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return fake;
}
