// The production console for the browser benchmarks: `vite build` into dist/, then the server as
// `npm start` runs it, on a free port with a fresh data folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../server/access/passwords.ts';
import { openAccessStore } from '../../server/access/open-store.ts';
import { exited, freePort, startProcess } from '../../server/test/process.ts';
import { makeCameraVideo } from '../fixtures/camera-video.ts';
import { baseChromiumArgs, cameraArgs } from '../../e2e/support/browsers.ts';
import { cameraVideoSources, cameraVideos } from '../../e2e/support/fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BENCH_PASSWORD = 'bench-password-long';

export interface RunningApp {
  /** e.g. http://127.0.0.1:41234, without a trailing slash */
  origin: string;
  /** `frc_session=…` of a logged-in registrar, for pages measured as staff see them. */
  cookie: string;
  stop(): Promise<void>;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // NODE_ENV as a user's `npm start` has it: an earlier suite's Vite dev server sets it to
    // development in this process, which would make `vite build` bundle React's development build.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${String(code)}:\n${output}`));
    });
  });
}

/** Builds the SPA (`vite build`) and starts `server/server.ts` with the emulator. */
export async function startBuiltApp(): Promise<RunningApp> {
  await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn']);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-'));
  const store = await openAccessStore(dataDir);
  await store.createAccount({ name: 'bench', role: 'registrar', environments: null }, await hashPassword(BENCH_PASSWORD));
  await store.close();
  const child = await startProcess('server/server.ts', { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }, port);
  const origin = `http://127.0.0.1:${String(port)}`;
  const login = await fetch(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', password: BENCH_PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (login.status !== 200 || !cookie.startsWith('frc_session=')) throw new Error(`bench login failed: ${String(login.status)}`);
  return {
    origin,
    cookie,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium flags of the browser benchmarks: the tests' flags (no sandbox, no network of its own)
 * and a fake webcam showing one face, permission granted, as at a registration desk.
 */
export async function benchChromiumArgs(): Promise<string[]> {
  await makeCameraVideo(cameraVideoSources.face, cameraVideos.face);
  return [...baseChromiumArgs, ...cameraArgs('face')];
}
