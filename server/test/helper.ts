import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { onTestFinished } from 'vitest';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import type { Config } from '../config.ts';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'images');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function fixtureBase64(name: string): string {
  return fixture(name).toString('base64');
}

/** Valid CPFs for tests (check digits right, synthetic). */
export const CPF_A = '529.982.247-25';
export const CPF_B = '111.444.777-35';

export function tempDir(prefix = 'frc-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The whole console on its own SQLite file, closed when the test ends. */
export async function buildTestApp(
  overrides: Partial<Config> = {},
  logStream?: { write(line: string): void },
  distDir?: string,
): Promise<FastifyInstance> {
  const config: Config = { ...loadConfig({}), dataDir: tempDir(), ...overrides };
  const app = await buildServer({
    config,
    logger: logStream !== undefined,
    ...(logStream === undefined ? {} : { logStream }),
    ...(distDir === undefined ? {} : { distDir }),
  });
  onTestFinished(async () => {
    await app.close();
  });
  await app.ready();
  return app;
}

export function json(response: LightMyRequestResponse): Record<string, unknown> {
  return response.json<Record<string, unknown>>();
}

/** Asserts the error shape every refusal shares; returns the body for further checks. */
export function refusal(response: LightMyRequestResponse, status: number, title: string): Record<string, unknown> {
  const body = json(response);
  const summary = `${String(response.statusCode)} ${JSON.stringify(body).slice(0, 300)}`;
  if (response.statusCode !== status || body.title !== title || typeof body.description !== 'string' || body.description.length < 20) {
    throw new Error(`expected ${String(status)} ${title} with a description, got ${summary}`);
  }
  return body;
}
