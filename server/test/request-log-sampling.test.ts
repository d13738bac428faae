import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { READ_SAMPLE } from '../lib/logging.ts';
import { CPF_A, buildTestApp, fixtureBase64, logIn } from './helper.ts';
import { misbehavingUpstream, neverAnswer } from './misbehaving-upstream.ts';

const REGISTRATION = '/emulator/face_recognition/registration';
const LOOKUP = `${REGISTRATION}/document_number/52998224725`;
const LOGGED_LOOKUP = `${REGISTRATION}/document_number/[redacted]`;
const LOOKUPS = 200;

interface LogLine {
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  sampled?: number;
}

/**
 * The console at `logLevel` with one face registered for CPF_A (face check off: the pictures are
 * not what is tested), then LOOKUPS successful look-ups of it, the requests that fail, and one more
 * registration; the log lines of those requests only.
 */
async function logOfRequests(logLevel: 'info' | 'debug'): Promise<LogLine[]> {
  const lines: string[] = [];
  const app = await buildTestApp({ logLevel, emulatorFaceCheck: false }, { write: (line) => lines.push(line) });
  const register = () =>
    app.inject({
      method: 'POST',
      url: REGISTRATION,
      payload: { document_number: CPF_A, image: fixtureBase64('face-single-centered.jpg') },
    });
  expect((await register()).statusCode).toBe(201);
  lines.length = 0;

  for (let i = 0; i < LOOKUPS; i += 1) expect((await app.inject({ method: 'GET', url: LOOKUP })).statusCode).toBe(200);
  for (const [url, status, headers] of FAILURES) {
    expect((await app.inject({ method: 'GET', url, headers })).statusCode, url).toBe(status);
  }
  expect((await register()).statusCode).toBe(201);
  return lines.map((line) => JSON.parse(line) as LogLine);
}

/** Reads that fail, on the look-up's route and beside it: [url, status, headers]. */
const FAILURES: [string, number, Record<string, string>][] = [
  [`${REGISTRATION}/document_number/11144477735`, 404, {}],
  [`${REGISTRATION}/document_number/11144477735`, 404, {}],
  [`${REGISTRATION}/document_number/12345`, 400, {}],
  [LOOKUP, 401, { authorization: '' }],
  ['/emulator/face_recognition/nothing', 404, {}],
];

const completed = (lines: LogLine[]) => lines.filter((line) => line.msg === 'request completed');
const incoming = (lines: LogLine[]) => lines.filter((line) => line.msg === 'incoming request');
const lookups = (lines: LogLine[]) => lines.filter((line) => line.req?.method === 'GET' && line.res?.statusCode === 200);

describe('request logs: successful reads sampled at info', () => {
  it(`logs one successful GET in ${String(READ_SAMPLE)} per route, saying so, and every failure and write in full`, async () => {
    const lines = await logOfRequests('info');

    // The look-ups: the 1st and the 101st, on the line of their completion, with all it tells.
    const sampled = lookups(completed(lines));
    expect(sampled).toHaveLength(Math.ceil(LOOKUPS / READ_SAMPLE));
    for (const line of sampled) {
      expect(line).toMatchObject({ sampled: READ_SAMPLE, req: { method: 'GET', url: LOGGED_LOOKUP }, res: { statusCode: 200 } });
      expect(line.responseTime).toBeTypeOf('number');
      expect(line.reqId).toBeTruthy();
    }
    expect(lookups(incoming(lines))).toEqual([]);

    // Each failed read: its own line, not sampled, whatever its route.
    const failed = completed(lines).filter((line) => (line.res?.statusCode ?? 0) >= 400);
    expect(failed.map((line) => line.res?.statusCode)).toEqual(FAILURES.map(([, status]) => status));
    for (const line of failed) {
      expect(line.sampled).toBeUndefined();
      expect(line.req?.method).toBe('GET');
      expect(line.reqId).toBeTruthy();
    }

    // The registration (a write): both lines, as ever.
    const posts = lines.filter((line) => line.req?.method === 'POST');
    expect(posts.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(posts[1]).toMatchObject({ req: { url: REGISTRATION }, res: { statusCode: 201 } });

    expect(lines.filter((line) => JSON.stringify(line).includes('52998224725') || JSON.stringify(line).includes(CPF_A))).toEqual([]);
  });

  it('logs every request at debug', async () => {
    const lines = await logOfRequests('debug');
    expect(lookups(completed(lines))).toHaveLength(LOOKUPS);
    expect(incoming(lines).filter((line) => line.req?.method === 'GET')).toHaveLength(LOOKUPS + FAILURES.length);
    expect(lines.filter((line) => line.sampled !== undefined)).toEqual([]);
    expect(completed(lines).filter((line) => (line.res?.statusCode ?? 0) >= 400)).toHaveLength(FAILURES.length);
  });
});

describe('request logs: a client that goes away', () => {
  it('leaves one line at info for a read whose client closed before its answer, its CPF kept out', async () => {
    // QI Tech never answers: the look-up is still waiting when its client hangs up.
    const upstream = await misbehavingUpstream(neverAnswer);
    onTestFinished(() => upstream.close());
    const lines: string[] = [];
    const app = await buildTestApp(
      { logLevel: 'info', sandbox: { url: upstream.url, apiKey: 'k' } },
      { write: (line) => lines.push(line) },
    );
    const cookie = await logIn(app, 'test-admin');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    lines.length = 0;
    const digits = CPF_A.replace(/\D/g, '');
    const path = `/api/sandbox/face_recognition/registration/document_number/${digits}`;
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`);
    await vi.waitFor(() => {
      expect(upstream.requests).toHaveLength(1);
    });
    socket.destroy();

    const aborted = () => lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg.startsWith('request aborted'));
    await vi.waitFor(() => {
      expect(aborted()).toHaveLength(1);
    });
    const [line] = aborted();
    expect(line?.req?.method).toBe('GET');
    expect(line?.req?.url).toMatch(/^\/api\/sandbox\/face_recognition\/registration\/document_number\/\[/);
    expect(lines.join('\n')).not.toContain(digits);
  });
});
