import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { deskVariants } from '../../scripts/fixtures/face-variants.ts';
import type { FaceCheck } from '../emulator/image-check.ts';
import { openEmulatorStore } from '../emulator/open-store.ts';
import { emulator } from '../emulator/plugin.ts';
import { testEmulatorDatabase } from './helper.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'images');

/**
 * The emulator alone on its own database (SQLite file, or PostgreSQL schema), with the real face
 * check (human, wasm) unless told; closed when the test ends. `database`: share one between apps.
 */
export async function emulatorApp(faceCheck?: FaceCheck, database?: string): Promise<FastifyInstance> {
  const app = Fastify();
  const store = await openEmulatorStore(database ?? (await testEmulatorDatabase()));
  await app.register(emulator, { store, ...(faceCheck === undefined ? {} : { faceCheck }) });
  onTestFinished(() => app.close());
  return app;
}

/** A desk change of a committed portrait (scripts/fixtures/face-variants.ts), as base64. */
export async function faceVariant(portrait: string, change: string): Promise<string> {
  const made = deskVariants(join(FIXTURES, portrait)).find((v) => v.change === change);
  if (made === undefined) throw new Error(`no ${change} variant`);
  return (await made.make()).toString('base64');
}
