import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { emulator } from './emulator/plugin.ts';
import { detectedFaceCheck } from './emulator/face-detector.ts';
import { acceptEveryFace } from './emulator/image-check.ts';
import type { FaceCheck } from './emulator/image-check.ts';
import { emulatorUpstream, httpUpstream } from './lib/upstream.ts';
import { spa } from './plugins/app/spa.ts';
import { api } from './routes/api.ts';
import type { Environment } from './routes/api.ts';

export const EMULATOR_PREFIX = '/emulator';

export interface AppOptions {
  config: Config;
  /** The built SPA; `dist/` beside package.json unless a test says otherwise. */
  distDir?: string;
  /** Overrides the face check `config.emulatorFaceCheck` chooses (tests). */
  faceCheck?: FaceCheck;
}

export function emulatorDatabaseFile(dataDir: string): string {
  return join(dataDir, 'emulator.sqlite');
}

/** The emulator's face check as the settings choose it (EMULATOR_FACE_CHECK). */
export function emulatorFaceCheck(config: Pick<Config, 'emulatorFaceCheck'>): FaceCheck {
  return config.emulatorFaceCheck ? detectedFaceCheck : acceptEveryFace;
}

/** Registers the whole console on a Fastify instance: emulator, console API, and the SPA. */
export async function registerApp(app: FastifyInstance, { config, distDir, faceCheck }: AppOptions): Promise<void> {
  const environments: Environment[] = [];

  if (config.localEmulator) {
    await app.register(emulator, {
      prefix: EMULATOR_PREFIX,
      databaseFile: emulatorDatabaseFile(config.dataDir),
      apiKey: config.emulatorApiKey,
      faceCheck: faceCheck ?? emulatorFaceCheck(config),
    });
    environments.push({
      name: 'local',
      synthetic: true,
      upstream: emulatorUpstream(app, EMULATOR_PREFIX, config.emulatorApiKey),
      settings: { key: 'EMULATOR_API_KEY' },
    });
  }
  // Safest first: with no `?env=` the console opens in the first environment listed.
  const qitech = [
    { name: 'sandbox', synthetic: true, upstream: config.sandbox, settings: { key: 'QITECH_SANDBOX_API_KEY', url: 'QITECH_SANDBOX_URL' } },
    {
      name: 'production',
      synthetic: false,
      upstream: config.production,
      settings: { key: 'QITECH_PRODUCTION_API_KEY', url: 'QITECH_PRODUCTION_URL' },
    },
  ] as const;
  for (const { name, synthetic, upstream, settings } of qitech) {
    if (upstream === undefined) continue;
    environments.push({ name, synthetic, upstream: httpUpstream({ ...upstream, timeoutMs: config.upstreamTimeoutMs }), settings });
  }

  await app.register(api, { prefix: '/api', environments, upstreamTimeoutMs: config.upstreamTimeoutMs });
  await app.register(spa, { distDir: distDir ?? join(import.meta.dirname, '..', 'dist') });
}
