import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { emulator } from './emulator/plugin.ts';
import { detectedFaceCheck } from './emulator/face-detector.ts';
import { acceptEveryFace } from './emulator/image-check.ts';
import type { FaceCheck } from './emulator/image-check.ts';
import { emulatorUpstream, httpUpstream } from './lib/upstream.ts';
import { textKeyFile } from './lib/data-dir.ts';
import fastifyRateLimit from '@fastify/rate-limit';
import { accessGuard, refuseAnonymous } from './access/guard.ts';
import { accessRoutes } from './access/plugin.ts';
import { newSetupToken } from './access/session-routes.ts';
import { sessions } from './access/sessions.ts';
import type { AccessOptions } from './access/sessions.ts';
import { openAccessStore, secretFile } from './access/store.ts';
import type { AccessStore } from './access/store.ts';
import type { LoginThrottleSettings } from './access/throttling.ts';
import type { AuditAction } from '../contract/access.ts';
import { Problem, jsonBodiesOnly, jsonErrorHandler, jsonErrors, shallowJsonBodies } from './lib/problem.ts';
import { refuseCrossSite, securityHeaders } from './plugins/app/security.ts';
import { spa } from './plugins/app/spa.ts';
import { api } from './routes/api.ts';
import { emulatorAdminRoutes } from './routes/emulator-admin.ts';
import { healthRoutes } from './routes/health.ts';
import type { Environment } from './routes/api.ts';

export const EMULATOR_PREFIX = '/emulator';

/** The body limit of /api routes that take no picture (the picture routes set their own). */
const API_BODY_LIMIT = 16 * 1024;

/** The registration calls (routes/api.ts) write an anonymous call to the audit trail under their action. */
const ANONYMOUS_AUDIT: Partial<Record<string, AuditAction>> = {
  'POST /:env/face_recognition/registration': 'register',
  'POST /:env/face_recognition/image': 'image',
  'GET /:env/face_recognition/registration/:registration_key': 'lookup_key',
  'GET /:env/face_recognition/registration/document_number/:document_number': 'lookup_document',
  'POST /:env/face_recognition/validation': 'validation',
};

export interface AppOptions {
  config: Config;
  /** The built SPA; `dist/` beside package.json unless a test says otherwise. */
  distDir?: string;
  /** Overrides the face check `config.emulatorFaceCheck` chooses (tests). */
  faceCheck?: FaceCheck;
  /** An access store already open (tests that seed accounts); else DATA_DIR's. */
  access?: AccessStore;
  /** Other login throttling numbers than throttling.ts's (tests: short waits). */
  loginThrottle?: Partial<LoginThrottleSettings>;
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

/** Where a generated emulator key is kept, when EMULATOR_API_KEY is unset. */
export function emulatorKeyFile(dataDir: string): string {
  return join(dataDir, 'emulator.key');
}

/**
 * The key the console's emulator demands (it always demands one: it holds the `local` data, and
 * HOST=0.0.0.0 puts it on the network): EMULATOR_API_KEY, else one generated into DATA_DIR once and
 * kept. The console's server sends it for `local` itself; admins read it on the Contas page.
 */
export function emulatorApiKey(config: Pick<Config, 'emulatorApiKey' | 'dataDir'>): string {
  return config.emulatorApiKey ?? textKeyFile(emulatorKeyFile(config.dataDir));
}

/**
 * The package's root (the folder of package.json): the SPA's build is its dist/, whether the
 * server runs from its sources (server/) or compiled (dist-server/server/).
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..');
  }
}

/** Registers the whole console on a Fastify instance: emulator, console API, and the SPA. */
export async function registerApp(app: FastifyInstance, { config, distDir, faceCheck, access, loginThrottle }: AppOptions): Promise<void> {
  const environments: Environment[] = [];

  const localEmulatorKey = config.localEmulator ? emulatorApiKey(config) : undefined;
  if (localEmulatorKey !== undefined) {
    await app.register(emulator, {
      prefix: EMULATOR_PREFIX,
      databaseFile: emulatorDatabaseFile(config.dataDir),
      apiKey: localEmulatorKey,
      keyHint:
        config.emulatorApiKey === undefined
          ? "The key is in the console server's DATA_DIR/emulator.key; administrators see it on the Contas (accounts) page."
          : "The key is the console server's EMULATOR_API_KEY; administrators see it on the Contas (accounts) page.",
      faceCheck: faceCheck ?? emulatorFaceCheck(config),
    });
    environments.push({
      name: 'local',
      synthetic: true,
      // The emulator implements POST /face_recognition/validation.
      validation: true,
      upstream: emulatorUpstream(app, EMULATOR_PREFIX, localEmulatorKey),
      settings: { key: 'EMULATOR_API_KEY' },
    });
  }
  // Safest first: with no `?env=` the console opens in the first environment listed. QI Tech's
  // validation endpoint only where the administrator says the account offers it (newer accounts
  // validate through the Account Event API instead).
  const qitech = [
    {
      name: 'sandbox',
      synthetic: true,
      validation: config.sandboxValidation,
      upstream: config.sandbox,
      settings: { key: 'QITECH_SANDBOX_API_KEY', url: 'QITECH_SANDBOX_URL', validation: 'QITECH_SANDBOX_VALIDATION' },
    },
    {
      name: 'production',
      synthetic: false,
      validation: config.productionValidation,
      upstream: config.production,
      settings: { key: 'QITECH_PRODUCTION_API_KEY', url: 'QITECH_PRODUCTION_URL', validation: 'QITECH_PRODUCTION_VALIDATION' },
    },
  ] as const;
  for (const { name, synthetic, validation, upstream, settings } of qitech) {
    if (upstream === undefined) continue;
    environments.push({
      name,
      synthetic,
      validation,
      upstream: httpUpstream({ ...upstream, timeoutMs: config.upstreamTimeoutMs }),
      settings,
    });
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
    loginThrottle,
  };
  const guard = accessGuard(store);
  await app.register(securityHeaders);
  await app.register(sessions, accessOptions);
  await app.register(
    async (scope) => {
      jsonErrors(scope);
      jsonBodiesOnly(scope);
      shallowJsonBodies(scope);
      scope.addHook('onRequest', (request, _reply, next) => {
        try {
          refuseCrossSite(request);
          next();
        } catch (error) {
          next(error as Error);
        }
      });
      // Who is asking, and how often, is settled in onRequest, before a body is read: parsing is
      // the costly part (a deeply nested JSON), and the anonymous or those over their limit get none.
      // Order: the session (sessions.ts, root) → cross-site → rate limit → login required.
      await scope.register(fastifyRateLimit, {
        global: false,
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
      scope.addHook('onRequest', scope.rateLimit());
      refuseAnonymous(scope, guard, (request) => {
        const route = (request.routeOptions.url ?? '').replace(/^\/api/, '');
        // As the routes themselves audited anonymous calls: admin routes as access_refused, the
        // registration calls under their action and named environment; the rest not at all.
        if (route.startsWith('/admin/')) return { action: 'access_refused' };
        const action = ANONYMOUS_AUDIT[`${request.method} ${route}`];
        if (action === undefined) return undefined;
        const { env } = request.params as { env?: string };
        const environment = environments.find((e) => e.name === env)?.name;
        return { action, ...(environment === undefined ? {} : { environment }) };
      });
      // Pictures travel only to the routes that take them (their own bodyLimit); the rest is small JSON.
      scope.addHook('onRoute', (route) => {
        route.bodyLimit ??= API_BODY_LIMIT;
      });
      await scope.register(accessRoutes, { ...accessOptions, guard });
      await scope.register(api, { environments, guard, upstreamTimeoutMs: config.upstreamTimeoutMs });
      await scope.register(emulatorAdminRoutes, {
        guard,
        emulator: localEmulatorKey === undefined ? undefined : { baseUrl: EMULATOR_PREFIX, apiKey: localEmulatorKey },
      });
    },
    { prefix: '/api' },
  );
  await app.register(async (scope) => {
    // Its refusals in JSON; what is not found stays the SPA's to answer.
    jsonErrorHandler(scope);
    await scope.register(healthRoutes, {
      ready: () => {
        store.countAccounts();
      },
    });
  });
  await app.register(spa, { distDir: distDir ?? join(packageRoot(import.meta.dirname), 'dist') });
}
