import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildServer } from '../build.ts';
import type { ServerTimeouts } from '../build.ts';
import { loadConfig } from '../config.ts';
import { secureDataDir } from '../lib/data-dir.ts';
import { tempDir } from './helper.ts';
import { freePort, startProcess } from './process.ts';

/** The console with these settings on its own data folder, closed when the test ends. */
async function consoleWith(env: Record<string, string>, timeouts?: Partial<ServerTimeouts>): Promise<FastifyInstance> {
  const app = await buildServer({
    config: { ...loadConfig(env), dataDir: tempDir() },
    logger: false,
    ...(timeouts === undefined ? {} : { timeouts }),
  });
  onTestFinished(async () => {
    await app.close();
  });
  return app;
}

describe('TRUST_PROXY', () => {
  it('takes off, a hop count, or proxy addresses and ranges', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses "on" (it trusted every hop) with what to write instead, and anything not an address', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'on' })).toThrow(/TRUST_PROXY: "on" is no longer accepted.*number of proxies/);
    expect(() => loadConfig({ TRUST_PROXY: '0' })).toThrow(/TRUST_PROXY: a hop count must be 1 to 10/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.5,proxy.internal' })).toThrow(/TRUST_PROXY: .*not an address: "proxy.internal"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  /** The address the console takes a request to come from (throttling, rate limit, audit). */
  async function clientAddress(env: Record<string, string>, remoteAddress: string, forwardedFor: string): Promise<string> {
    const app = await consoleWith(env);
    app.get('/test/ip', (request) => ({ ip: request.ip }));
    const response = await app.inject({ method: 'GET', url: '/test/ip', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
    return response.json<{ ip: string }>().ip;
  }

  it('with a hop count, believes only that many hops: a client-written first entry is not its address', async () => {
    expect(await clientAddress({ TRUST_PROXY: '1' }, '127.0.0.1', '6.6.6.6, 10.0.0.9')).toBe('10.0.0.9');
    expect(await clientAddress({ TRUST_PROXY: '2' }, '127.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.9')).toBe('203.0.113.7');
  });

  it('with addresses, believes only the listed proxies’ header', async () => {
    const env = { TRUST_PROXY: '10.0.0.5' };
    expect(await clientAddress(env, '10.0.0.5', '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7');
    // Not from the proxy: the header is the client's own writing.
    expect(await clientAddress(env, '198.51.100.1', '6.6.6.6')).toBe('198.51.100.1');
    expect(await clientAddress({ TRUST_PROXY: 'off' }, '127.0.0.1', '6.6.6.6')).toBe('127.0.0.1');
  });
});

describe('timeouts of a listening server', () => {
  const SHORT: Partial<ServerTimeouts> = {
    requestTimeout: 600,
    bodyTimeout: 600,
    headersTimeout: 400,
    connectionsCheckingInterval: 50,
    connectionTimeout: 5_000,
  };

  /** Opens a connection, writes `sent`, and waits (up to `within` ms) for the server to end it; what it answered. */
  async function stall(app: FastifyInstance, sent: string, within: number): Promise<{ closed: boolean; answer: string }> {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.write(sent);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, within);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.destroy();
    return { closed, answer };
  }

  it('answers 408 and closes the connection when a body stops arriving', async () => {
    const app = await consoleWith({}, SHORT);
    const head = 'POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { closed, answer } = await stall(app, `${head}{"name":`, 4_000);
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 when a chunked body stops arriving (no Content-Length: the deadline still holds)', async () => {
    const app = await consoleWith({}, { ...SHORT, requestTimeout: 20_000 });
    const head = 'POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { closed, answer } = await stall(app, `${head}8\r\n{"name":\r\n`, 4_000);
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 when a body is too slow even though the bulk upload may take longer', async () => {
    const app = await consoleWith({}, { ...SHORT, requestTimeout: 20_000 });
    const head = 'POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { closed, answer } = await stall(app, `${head}{"name":`, 4_000);
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('lets the bulk upload’s body take longer than other bodies', async () => {
    const app = await consoleWith({}, { ...SHORT, requestTimeout: 20_000 });
    const head =
      'POST /api/local/bulk/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n';
    // Anonymous: refused at once (401), its body then read and discarded; the connection is not cut at bodyTimeout.
    const { closed, answer } = await stall(app, `${head}--x\r\n`, 2_000);
    expect(closed).toBe(false);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('closes the connection when the headers stop arriving', async () => {
    const app = await consoleWith({}, SHORT);
    const { closed, answer } = await stall(app, 'GET /api/environments HTTP/1.1\r\nHost: 127.0.0.1\r\n', 4_000);
    expect(closed).toBe(true);
    expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('keeps an idle keep-alive connection past the headers timeout, for the next request', async () => {
    const app = await consoleWith({}, { ...SHORT, keepAliveTimeout: 3_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    onTestFinished(() => {
      socket.destroy();
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const request = 'GET /healthz-none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // past headersTimeout and requestTimeout
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answer.match(/HTTP\/1\.1 404 /g)).toHaveLength(2);
  });

  it('uses timeouts long enough for a 6 MB body over a slow link, and above QITECH_TIMEOUT_MS', async () => {
    const app = await consoleWith({ QITECH_TIMEOUT_MS: '100000' });
    // Node's bound is the bulk upload's; every other body has bodyTimeout (60 s), checked by a hook.
    expect(app.server.requestTimeout).toBe(30 * 60_000);
    expect(app.server.headersTimeout).toBe(15_000);
    expect(app.server.timeout).toBeGreaterThan(2 * 100_000);
    expect(app.server.keepAliveTimeout).toBeGreaterThan(60_000);
  });
});

describe('DATA_DIR is readable by the console’s account only', () => {
  it('after a start on a fresh DATA_DIR, the folder is 0700 and every file in it has no group or other bits', async () => {
    const dataDir = join(tempDir(), 'data');
    const port = await freePort();
    const child = await startProcess('server/server.ts', { DATA_DIR: dataDir, PORT: String(port) }, port);
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    // A write in each database (a failed login is audited; the emulator's table answers a look-up).
    await fetch(`http://127.0.0.1:${String(port)}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nobody', password: 'wrong password' }),
    });
    const files = readdirSync(dataDir);
    expect(files).toEqual(
      expect.arrayContaining(['console.sqlite', 'console.sqlite-wal', 'emulator.sqlite', 'emulator.key', 'session.key']),
    );
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const open = files.filter((name) => (statSync(join(dataDir, name)).mode & 0o077) !== 0);
    expect(open).toEqual([]);
  });

  it('tightens a folder and data files an earlier start left readable, and leaves other files alone', () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    for (const name of ['console.sqlite', 'console.sqlite-wal', 'emulator.sqlite-shm', 'session.key', 'notes.txt']) {
      writeFileSync(join(dataDir, name), 'x', { mode: 0o644 });
    }
    const result = secureDataDir(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of ['console.sqlite', 'console.sqlite-wal', 'emulator.sqlite-shm', 'session.key']) {
      expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600);
    }
    expect(statSync(join(dataDir, 'notes.txt')).mode & 0o777).toBe(0o644);
    expect(result.changed).toHaveLength(5);
    expect(result.warnings).toEqual([]);
  });

  it('makes a missing DATA_DIR, parents included, with mode 0700', () => {
    const dataDir = join(tempDir(), 'a', 'b');
    secureDataDir(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    mkdirSync(join(dataDir, 'c'));
  });
});
