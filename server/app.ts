import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { roleMapText } from './config.ts';
import type { Config } from './config.ts';
import { emulator } from './emulator/plugin.ts';
import { openEmulatorStore } from './emulator/open-store.ts';
import type { EmulatorStore } from './emulator/store.ts';
import { detectedFaceCheck, useDetectorWorkers } from './emulator/face-detector.ts';
import { acceptEveryFace } from './emulator/image-check.ts';
import type { FaceCheck } from './emulator/image-check.ts';
import { emulatorUpstream, httpUpstream } from './lib/upstream.ts';
import { emulatorDatabaseFile } from './lib/data-dir.ts';
import fastifyRateLimit from '@fastify/rate-limit';
import { accessGuard, refuseAnonymous } from './access/guard.ts';
import { relyingParty } from './access/oidc.ts';
import { OIDC_ACTOR } from './access/oidc-routes.ts';
import { accessRoutes } from './access/plugin.ts';
import { newSetupToken } from './access/session-routes.ts';
import { sessions } from './access/sessions.ts';
import type { AccessOptions } from './access/sessions.ts';
import { openAccessStore } from './access/open-store.ts';
import { auditRetentionJob } from './access/retention.ts';
import { setupTokenHash } from './access/store.ts';
import type { AccessStore } from './access/store.ts';
import type { LoginThrottleSettings } from './access/throttling.ts';
import type { AuditAction } from '../contract/access-admin.ts';
import { Problem, jsonBodiesOnly, jsonErrorHandler, jsonErrors, shallowJsonBodies } from './lib/problem.ts';
import { refuseCrossSite, securityHeaders } from './plugins/app/security.ts';
import { spa } from './plugins/app/spa.ts';
import { bulkRoutes } from './bulk/routes.ts';
import { bulkRunner } from './bulk/runner.ts';
import type { BulkRunnerOptions } from './bulk/runner.ts';
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
  /** An access store already open (tests that seed accounts); else DATA_DIR's, or DATABASE_URL's. */
  access?: AccessStore;
  /** Other login throttling numbers than throttling.ts's (tests: short waits). */
  loginThrottle?: Partial<LoginThrottleSettings>;
  /** The bulk runner's tick, lease and renewal (tests: short ones). */
  bulkTiming?: Pick<BulkRunnerOptions, 'tickMs' | 'leaseMs' | 'renewMs'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * This instance's token for the first admin's setup link, when it started with no account
     * (kept hashed in the database: any instance accepts it, and only until an admin exists).
     */
    setupToken: string | undefined;
  }
}

/** The emulator's face check as the settings choose it (EMULATOR_FACE_CHECK). */
export function emulatorFaceCheck(config: Pick<Config, 'emulatorFaceCheck'>): FaceCheck {
  return config.emulatorFaceCheck ? detectedFaceCheck : acceptEveryFace;
}

/**
 * The key the console's emulator demands (it always demands one: it holds the `local` data, and
 * HOST=0.0.0.0 puts it on the network): EMULATOR_API_KEY, else one generated once and kept, in
 * DATA_DIR/emulator.key, or with DATABASE_URL in the database, so every instance demands the same.
 * The console's server sends it for `local` itself; admins read it on the Contas page.
 */
export async function emulatorApiKey(config: Pick<Config, 'emulatorApiKey'>, store: AccessStore): Promise<string> {
  return config.emulatorApiKey ?? (await store.secret('emulator'));
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
export async function registerApp(
  app: FastifyInstance,
  { config, distDir, faceCheck, access, loginThrottle, bulkTiming }: AppOptions,
): Promise<void> {
  const environments: Environment[] = [];

  // Staff access: accounts, sessions and the audit trail in DATA_DIR/console.sqlite, or in
  // DATABASE_URL's PostgreSQL (migrated first), shared with the console's other instances.
  const store = access ?? (await openAccessStore(config));
  // Face detections (the emulator's check and the bulk jobs') on worker threads, one per core
  // (FACE_CHECK_WORKERS, issue 17), started on the first picture and stopped when the app closes.
  app.addHook('onClose', useDetectorWorkers(config.faceCheckWorkers));
  // The audit trail's retention (decision 011): at start, then daily; stopped before the store closes.
  const retention = auditRetentionJob(store, { days: config.auditRetentionDays, log: app.log });
  // Bulk jobs (decision 013): checked and sent by this process's runner, started once the app is
  // ready and stopped before anything closes (preClose: the calls in flight are recorded while the
  // store and the in-process emulator still answer, and the lease is given back).
  const bulkStore = store.bulk();
  const uploading = new Set<string>();
  app.addHook('onReady', () => {
    retention.start();
  });
  app.addHook('onClose', async () => {
    await retention.stop();
    await store.close();
  });

  const localEmulatorKey = config.localEmulator ? await emulatorApiKey(config, store) : undefined;
  let emulatorStore: EmulatorStore | undefined;
  if (localEmulatorKey !== undefined) {
    emulatorStore = await openEmulatorStore(config.databaseUrl ?? emulatorDatabaseFile(config.dataDir));
    await app.register(emulator, {
      prefix: EMULATOR_PREFIX,
      store: emulatorStore,
      apiKey: localEmulatorKey,
      keyHint:
        config.emulatorApiKey === undefined
          ? "The key is in the console server's DATA_DIR/emulator.key (with DATABASE_URL, in its database); administrators see it on the Contas (accounts) page."
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

  const runner = bulkRunner({
    store: bulkStore,
    environments,
    pace: config.bulkPace,
    // The console's face check, as the desk's browser judges a picture (not the emulator's setting).
    faceCheck: faceCheck ?? detectedFaceCheck,
    log: app.log,
    uploading,
    ...bulkTiming,
  });
  app.addHook('onReady', () => {
    runner.start();
  });
  app.addHook('preClose', async () => {
    await runner.stop();
  });

  // With no account yet, this instance's setup link; its token, hashed, is valid on every instance.
  let setupToken: string | undefined;
  if ((await store.countAccounts()) === 0) {
    setupToken = newSetupToken();
    if (!(await store.openSetup(setupTokenHash(setupToken)))) setupToken = undefined;
  }
  app.decorate('setupToken', setupToken);
  const accessOptions: AccessOptions = {
    store,
    secret: config.sessionSecret ?? (await store.secret('session')),
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    loginThrottle,
  };
  const guard = accessGuard(store);
  // Single sign-on (decision 012): the provider is discovered at the first login, not here, so a
  // provider down keeps nobody from the console's local accounts. A new OIDC_ROLE_MAP is audited.
  const rp = config.oidc === undefined ? undefined : relyingParty(config.oidc);
  if (config.oidc !== undefined) {
    const map = roleMapText(config.oidc.roleMap);
    if (await store.recordRoleMap(map)) {
      await store.appendAudit({ actor: OIDC_ACTOR, action: 'sso_role_map_changed', outcome: map, status: 0 });
    }
  }
  await app.register(securityHeaders);
  await app.register(
    async (scope) => {
      jsonErrors(scope);
      jsonBodiesOnly(scope);
      shallowJsonBodies(scope);
      // Sessions on /api only (their cookie's path): the emulator's prefix, the health routes and
      // the SPA's files neither read nor make one (a session per anonymous request cost the
      // emulator's look-ups ~20% of their time through the console).
      await scope.register(sessions, accessOptions);
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
      // Order: the session (sessions.ts, above) → cross-site → rate limit → login required.
      // Counted in this process's memory with SQLite (one instance); in the database with
      // DATABASE_URL, so that the limit holds across every instance of the console.
      const rateLimitStore = store.rateLimitStore();
      await scope.register(fastifyRateLimit, {
        global: false,
        ...(rateLimitStore === undefined ? {} : { store: rateLimitStore }),
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
      await scope.register(accessRoutes, { ...accessOptions, guard, rp });
      await scope.register(api, { environments, guard, upstreamTimeoutMs: config.upstreamTimeoutMs });
      await scope.register(bulkRoutes, { store: bulkStore, environments, guard, pace: config.bulkPace, uploading });
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
      // Each database answers and has every migration this code needs.
      ready: async () => {
        await store.ready();
        await emulatorStore?.ready();
      },
      unservable:
        environments.length === 0
          ? "No environment is configured: LOCAL_EMULATOR is off and neither QITECH_SANDBOX_API_KEY nor QITECH_PRODUCTION_API_KEY is set, so this console can register nothing. The console's administrator must configure at least one."
          : undefined,
    });
  });
  await app.register(spa, { distDir: distDir ?? join(packageRoot(import.meta.dirname), 'dist') });
}
