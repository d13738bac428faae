import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { emulator } from './emulator/plugin.ts';
import { detectedFaceCheck } from './emulator/face-detector.ts';
import { acceptEveryFace } from './emulator/image-check.ts';
import type { FaceCheck } from './emulator/image-check.ts';
import { emulatorUpstream, httpUpstream } from './lib/upstream.ts';
import fastifyRateLimit from '@fastify/rate-limit';
import { accessGuard } from './access/guard.ts';
import { accessRoutes } from './access/plugin.ts';
import { newSetupToken } from './access/session-routes.ts';
import { sessions } from './access/sessions.ts';
import type { AccessOptions } from './access/sessions.ts';
import { openAccessStore, secretFile } from './access/store.ts';
import type { AccessStore } from './access/store.ts';
import { Problem, jsonBodiesOnly, jsonErrors } from './lib/problem.ts';
import { refuseCrossSite, securityHeaders } from './plugins/app/security.ts';
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
  /** An access store already open (tests that seed accounts); else DATA_DIR's. */
  access?: AccessStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The one-time token of the first admin's setup link, while the console has no account. */
    setupToken: string | undefined;
  }
}

export function emulatorDatabaseFile(dataDir: string): string {
  return join(dataDir, 'emulator.sqlite');
}

/** The emulator's face check as the settings choose it (EMULATOR_FACE_CHECK). */
export function emulatorFaceCheck(config: Pick<Config, 'emulatorFaceCheck'>): FaceCheck {
  return config.emulatorFaceCheck ? detectedFaceCheck : acceptEveryFace;
}

/** Registers the whole console on a Fastify instance: emulator, console API, and the SPA. */
export async function registerApp(app: FastifyInstance, { config, distDir, faceCheck, access }: AppOptions): Promise<void> {
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

  // Staff access: accounts, sessions and the audit trail in DATA_DIR/console.sqlite.
  const store = access ?? openAccessStore(config.dataDir);
  app.addHook('onClose', () => {
    store.close();
  });
  const setupToken = store.countAccounts() === 0 ? newSetupToken() : undefined;
  app.decorate('setupToken', setupToken);
  const accessOptions: AccessOptions = {
    store,
    secret: config.sessionSecret ?? secretFile(join(config.dataDir, 'session.key')).toString('base64url'),
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    setupToken,
  };
  const guard = accessGuard(store);
  await app.register(securityHeaders);
  await app.register(sessions, accessOptions);
  await app.register(
    async (scope) => {
      jsonErrors(scope);
      jsonBodiesOnly(scope);
      scope.addHook('onRequest', (request, _reply, next) => {
        try {
          refuseCrossSite(request);
          next();
        } catch (error) {
          next(error as Error);
        }
      });
      await scope.register(fastifyRateLimit, {
        hook: 'preHandler',
        max: config.apiRateLimit,
        timeWindow: 60_000,
        keyGenerator: (request) => (request.account === null ? `address:${request.ip}` : `account:${request.account.name}`),
        errorResponseBuilder: (_request, context) =>
          new Problem(
            429,
            'rate_limited',
            `Too many requests: at most ${String(context.max)} a minute. Wait ${String(Math.ceil(context.ttl / 1000))} s and try again.`,
          ),
      });
      await scope.register(accessRoutes, { ...accessOptions, guard });
      await scope.register(api, { environments, guard, upstreamTimeoutMs: config.upstreamTimeoutMs });
    },
    { prefix: '/api' },
  );
  await app.register(spa, { distDir: distDir ?? join(import.meta.dirname, '..', 'dist') });
}
