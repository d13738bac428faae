// A console server of its own for a spec (instances.spec.ts, bulk.spec.ts): the compiled server,
// as `npm run start:prod` runs it (the `chromium` project's server builds it first), with the
// environment the spec gives, started, waited for, stopped as an orchestrator stops it, or killed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ConsoleProcess {
  url: string;
  process: ChildProcess;
  /** Everything it printed, headed by its name: for a failure's message. */
  output: () => string;
}

/** Starts the compiled server on this port with this environment (added to nothing: pass what it needs). */
export function startConsole(name: string, consolePort: number, env: NodeJS.ProcessEnv): ConsoleProcess {
  const child = spawn(process.execPath, [join(ROOT, 'dist-server', 'server', 'server.js')], {
    cwd: ROOT,
    env: { ...env, PORT: String(consolePort), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { url: `http://127.0.0.1:${String(consolePort)}`, process: child, output: () => `[${name}]\n${output}` };
}

/** Waits until GET /readyz answers 200: it listens, its databases answer and are migrated. */
export async function consoleReady(instance: ConsoleProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (instance.process.exitCode !== null) throw new Error(`exited with ${String(instance.process.exitCode)}:\n${instance.output()}`);
    try {
      if ((await fetch(`${instance.url}/readyz`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`not ready within ${String(timeoutMs / 1000)} s:\n${instance.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, as an orchestrator stops an instance; the exit code (SIGKILL after 15 s: null). */
export async function stopConsole(instance: ConsoleProcess): Promise<number | null> {
  const child = instance.process;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await done;
  clearTimeout(timer);
  return code;
}

/** SIGKILL: the process ends at once, mid-request, as a crash or an out-of-memory kill ends it. */
export async function killConsole(instance: ConsoleProcess): Promise<void> {
  const done = exited(instance.process);
  instance.process.kill('SIGKILL');
  await done;
}
