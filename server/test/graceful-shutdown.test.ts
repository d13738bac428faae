import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CONSENT_HEADER } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { openAccessStore } from '../access/open-store.ts';
import { CPF_A, TEST_PASSWORD, dataEnv, fixtureBase64, seedAccounts, testDataLocation } from './helper.ts';
import { misbehavingUpstream } from './misbehaving-upstream.ts';
import { exited, freePort, startProcess } from './process.ts';

/*
 * Issue 14: an instance taken out of a load balancer's pool is sent SIGTERM (SIGINT from a
 * terminal). server/server.ts then closes the Fastify app: the listening socket is closed at once
 * (new connections are refused, and the balancer sends them to another instance), the requests
 * already being answered are finished — their audit entries written, on the database still open —
 * and the process exits 0. Shown with the real server in a child process, on SQLite (`server`) and
 * on PostgreSQL (`server-pg`), and a QI Tech stand-in that holds the registration's answer back
 * until the signal has been sent.
 */

const UPSTREAM_KEY = 'graceful-shutdown-upstream-key';
const REGISTRATION_KEY = '0b6f3a52-6c1e-4f4e-9a0e-5d2f2c8a7b19';
const REGISTRAR = 'rita.registrar';

/** Resolves once `probe` is true, polling every 20 ms; fails after `ms`. */
async function eventually(what: string, probe: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${String(ms)} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True when a new TCP connection to the port is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED');
    });
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request over `agent` (keep-alive, as a browser or a balancer keeps its connections). */
function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...headers,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

describe('SIGTERM or SIGINT: requests in flight are answered, new connections refused, then the process exits', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s during a registration waiting on QI Tech: 201 for it, exit 0', async (signal) => {
    const location = await testDataLocation();
    const store = await openAccessStore(location);
    await seedAccounts(store, [{ name: REGISTRAR, role: 'registrar', environments: null }]);
    await store.close();

    // QI Tech's stand-in: a registration's answer waits until the test lets it go.
    let arrived: () => void = () => undefined;
    const registrationArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const upstream = await misbehavingUpstream((incoming, response) => {
      arrived();
      void released.then(() => {
        if (incoming.url !== '/face_recognition/registration') response.writeHead(404).end();
        else response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ registration_key: REGISTRATION_KEY }));
      });
    });
    onTestFinished(() => upstream.close());

    const port = await freePort();
    const child = await startProcess(
      'server/server.ts',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        ...dataEnv(location),
        LOCAL_EMULATOR: 'off',
        QITECH_SANDBOX_URL: upstream.url,
        QITECH_SANDBOX_API_KEY: UPSTREAM_KEY,
        LOG_LEVEL: 'warn',
      },
      port,
    );
    onTestFinished(async () => {
      child.kill('SIGKILL');
      await exited(child);
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const agent = new Agent({ keepAlive: true });
    onTestFinished(() => agent.destroy());
    const login = await send(agent, port, 'POST', '/api/session', {}, { name: REGISTRAR, password: TEST_PASSWORD });
    expect(login.status, login.body).toBe(200);
    const cookie = ([login.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '').split(';')[0] ?? '';
    expect(cookie).not.toBe('');
    const headers = { cookie, [CONSENT_HEADER]: CONSENT_TERM.version };

    const inFlight = send(agent, port, 'POST', '/api/sandbox/face_recognition/registration', headers, {
      document_number: CPF_A,
      image: fixtureBase64('face-single-centered.jpg'),
    });
    await registrationArrived;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, killed) => {
        resolve({ code, signal: killed });
      });
    });
    child.kill(signal);

    // The listening socket closes at once: a new connection is refused (a balancer tries another
    // instance) while the registration is still waiting on QI Tech, and the process is still there.
    await eventually('a new connection is refused', () => refused(port));
    expect(child.exitCode).toBeNull();

    release();
    const registered = await inFlight;
    expect(registered.status, registered.body).toBe(201);
    expect(JSON.parse(registered.body)).toMatchObject({ registration_key: REGISTRATION_KEY });

    // The answer closes its connection, which the client meant to keep alive: else the process
    // would wait for the client to close it, or for the keep-alive timeout (65 s), to exit.
    expect(registered.headers.connection).toBe('close');

    // Then it exits by itself, soon, and cleanly; the client's agent still holds its connections.
    const late = new Promise<'still running 5 s after the answer'>((resolve) => {
      setTimeout(() => {
        resolve('still running 5 s after the answer');
      }, 5_000).unref();
    });
    expect(await Promise.race([exit, late])).toEqual({ code: 0, signal: null });
    expect(output).not.toMatch(/"level":(50|60)/);

    // The registration's audit entry was written before the database closed.
    const after = await openAccessStore(location);
    try {
      expect((await after.queryAudit({ action: 'register', limit: 10 }))[0]).toMatchObject({
        actor: REGISTRAR,
        registration_key: REGISTRATION_KEY,
      });
    } finally {
      await after.close();
    }
  });
});
