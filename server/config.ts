import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
// Classic zod (server-only): besides these settings, it registers zod's English messages for the
// whole process, which the contract's zod/mini schemas use for issues without a message of their own.
import { z } from 'zod';
import { ROLES } from '../contract/access.ts';
import type { Role } from '../contract/access.ts';
import { environmentNameSchema } from '../contract/console.ts';
import type { EnvironmentName } from '../contract/console.ts';

/** QI Tech's base URLs (QITECH-API.md). */
const QITECH_SANDBOX_URL = 'https://api.sandbox.caas.qitech.app';
const QITECH_PRODUCTION_URL = 'https://api.caas.qitech.app';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An unset or empty variable is "not set". */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** An API key goes into a header as it is: visible ASCII only (a stray newline or space is a mistake). */
const apiKey = optionalText.refine((v) => v === undefined || /^[\x21-\x7e]+$/.test(v), {
  error: 'must be the key alone: visible ASCII characters, no spaces or line breaks',
});

/**
 * An upstream base URL: HTTPS, since the API key travels in a header; plain HTTP only on this
 * machine (an emulator on loopback). No credentials, query or fragment: paths are appended to it.
 */
function upstreamUrl(fallback: string) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v))
    .pipe(
      z.url().refine(
        (v) => {
          if (!URL.canParse(v)) return false;
          const url = new URL(v);
          const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
          return secure && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
        },
        { error: 'must be an https:// base URL (http:// only for localhost), without user, query or fragment' },
      ),
    )
    .transform((v) => v.replace(/\/+$/, ''));
}

/**
 * An on/off switch an administrator types: on/off, true/false or 1/0, in any case; unset or empty is
 * off. Anything else stops the start, rather than being read as off.
 */
const onOffSwitchOr = (unset: boolean) =>
  z
    .string()
    .optional()
    .transform((v, context): boolean => {
      const value = (v ?? '').trim().toLowerCase();
      if (value === '') return unset;
      if (value === 'off' || value === 'false' || value === '0') return false;
      if (value === 'on' || value === 'true' || value === '1') return true;
      context.addIssue({ code: 'custom', message: 'must be on or off (true/false and 1/0 are accepted too)' });
      return z.NEVER;
    });
const onOffSwitch = onOffSwitchOr(false);

/** proxy-addr's names for address ranges (Fastify's trustProxy takes them as addresses). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One entry of TRUST_PROXY's list: an address, a CIDR range (10.0.0.0/8) or a range's name. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
}

/**
 * TRUST_PROXY: which proxies' X-Forwarded-For/-Proto to believe. `off`; a hop count (the client's
 * address is the one that many hops from the right of X-Forwarded-For); or the proxies' addresses.
 * The former `on` believed every hop, so a client could name its own address (throttling, rate
 * limit and audit defeated): it is refused with what to write instead, rather than guessed.
 */
const trustProxySetting = z
  .string()
  .optional()
  .transform((v, context): false | number | string[] => {
    const value = (v ?? '').trim();
    if (value === '' || value === 'off') return false;
    if (value === 'on') {
      context.addIssue({
        code: 'custom',
        message:
          '"on" is no longer accepted: it believed every X-Forwarded-For entry, which a client can write itself. ' +
          'Set the number of proxies in front of the console (1 for one reverse proxy), or their addresses (e.g. 10.0.0.5,10.0.1.0/24)',
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 1 && hops <= 10) return hops;
      context.addIssue({ code: 'custom', message: 'a hop count must be 1 to 10 (off: no proxy)' });
      return z.NEVER;
    }
    const entries = value.split(',').map((entry) => entry.trim());
    const wrong = entries.filter((entry) => !isProxyAddress(entry));
    if (wrong.length > 0) {
      context.addIssue({
        code: 'custom',
        message: `must be off, a hop count (1, 2…) or proxy addresses/CIDR ranges separated by commas; not an address: ${wrong.map((w) => JSON.stringify(w)).join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * DATABASE_URL: PostgreSQL for what several instances share (accounts, sessions, throttling, rate
 * limit, audit, the emulator's data). Its value is never repeated in a message: it may hold a password.
 */
const databaseUrl = optionalText.refine(
  (v) => {
    if (v === undefined) return true;
    if (!URL.canParse(v)) return false;
    const url = new URL(v);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
  },
  { error: 'must be a PostgreSQL URL with a host and a database: postgres://USER:PASSWORD@HOST:5432/DATABASE' },
);

/**
 * An address a browser or this server reaches over the network for single sign-on (OIDC_ISSUER,
 * PUBLIC_URL): HTTPS; plain HTTP only on this machine (a provider on loopback in tests). No
 * credentials, query or fragment.
 */
function webAddress(what: string) {
  return optionalText.refine(
    (v) => {
      if (v === undefined) return true;
      if (!URL.canParse(v)) return false;
      const url = new URL(v);
      const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
      return secure && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    },
    { error: `must be ${what}: https:// (http:// only for localhost), without user, query or fragment` },
  );
}

/** One entry of OIDC_ROLE_MAP: members of `group` get `role`, limited to `environments` (null: every one the role allows). */
export interface RoleMapEntry {
  group: string;
  role: Role;
  environments: EnvironmentName[] | null;
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * OIDC_ROLE_MAP: `group:role` entries separated by commas, each optionally limited to some
 * environments with a third part joined by `+` (`face-qa:qa:local+sandbox`). A group's name may
 * itself hold colons: the role is the last part, or the one before an environment list. The first
 * entry whose group the person is in decides: write the most powerful first.
 */
export function parseRoleMap(text: string): { entries: RoleMapEntry[]; errors: string[] } {
  const entries: RoleMapEntry[] = [];
  const errors: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split(':').map((part) => part.trim());
    const last = parts.at(-1) ?? '';
    const beforeLast = parts.at(-2) ?? '';
    let group: string;
    let role: Role;
    let environments: EnvironmentName[] | null = null;
    if (parts.length >= 3 && isRole(beforeLast) && !isRole(last)) {
      const names = last.split('+').map((name) => name.trim());
      const wrong = names.filter((name) => !environmentNameSchema.safeParse(name).success);
      if (wrong.length > 0) {
        errors.push(
          `${JSON.stringify(entry)}: ${wrong.map((w) => JSON.stringify(w)).join(', ')} is not an environment (local, sandbox, production)`,
        );
        continue;
      }
      environments = [...new Set(names)] as EnvironmentName[];
      role = beforeLast;
      group = parts.slice(0, -2).join(':');
    } else if (parts.length >= 2 && isRole(last)) {
      role = last;
      group = parts.slice(0, -1).join(':');
    } else {
      errors.push(`${JSON.stringify(entry)}: write group:role or group:role:env1+env2, the role one of ${ROLES.join(', ')}`);
      continue;
    }
    if (group === '') {
      errors.push(`${JSON.stringify(entry)}: the group's name is missing`);
      continue;
    }
    if (role === 'qa' && environments?.includes('production') === true) {
      errors.push(`${JSON.stringify(entry)}: the qa role never works in production`);
      continue;
    }
    if (entries.some((e) => e.group === group)) {
      errors.push(`${JSON.stringify(entry)}: the group ${JSON.stringify(group)} is mapped twice`);
      continue;
    }
    entries.push({ group, role, environments });
  }
  if (entries.length === 0 && errors.length === 0) errors.push('maps no group: write group:role entries separated by commas');
  return { entries, errors };
}

/** The role map as one canonical line (what the audit trail records when it changes). */
export function roleMapText(entries: readonly RoleMapEntry[]): string {
  return entries.map((e) => `${e.group}:${e.role}${e.environments === null ? '' : `:${e.environments.join('+')}`}`).join(',');
}

/** The settings single sign-on needs all of; any one of them set asks for the others. */
const OIDC_REQUIRED = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ROLE_MAP', 'PUBLIC_URL'] as const;
/** Settings that mean nothing without single sign-on: set alone, they are a mistake said at start. */
const OIDC_OPTIONAL = ['OIDC_GROUPS_CLAIM', 'OIDC_PROVIDER_NAME', 'OIDC_SCOPES', 'OIDC_SESSION_FOLLOWS_TOKEN'] as const;

/** The audit trail's retention when AUDIT_RETENTION_DAYS is not set: five years (5 × 365 + 1 leap day). */
const AUDIT_RETENTION_DEFAULT_DAYS = 1826;

/**
 * AUDIT_RETENTION_DAYS: how long the audit trail keeps an entry before the retention job deletes it
 * (decision 011). A whole number of days from 1 to 36500; unset or empty: five years.
 */
const auditRetentionDays = z
  .string()
  .optional()
  .transform((v, context): number => {
    const value = (v ?? '').trim();
    if (value === '') return AUDIT_RETENTION_DEFAULT_DAYS;
    if (/^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 36_500) return Number(value);
    context.addIssue({
      code: 'custom',
      message: `must be a whole number of days from 1 to 36500 (unset: ${String(AUDIT_RETENTION_DEFAULT_DAYS)}, five years)`,
    });
    return z.NEVER;
  });

/** BULK_<ENV>_RATE: rows a second a bulk job sends at most (decision 013); 0.1 to 100. */
const bulkRate = (fallback: number) => z.coerce.number().min(0.1).max(100).default(fallback);
/** BULK_<ENV>_CONCURRENCY: a bulk job's calls in flight at most; 1 to 16. */
const bulkConcurrency = (fallback: number) => z.coerce.number().int().min(1).max(16).default(fallback);

/**
 * Every setting, read once from the environment and validated. docs/settings.md lists
 * the same names; a wrong value stops the start with a message naming it.
 */
const settingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: databaseUrl,
  LOCAL_EMULATOR: z.enum(['on', 'off']).default('on'),
  EMULATOR_API_KEY: optionalText,
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  EMULATOR_FACE_CHECK: z.enum(['on', 'off']).default('on'),
  // One worker per core, at most 4: each holds its own models (~100 MB); 0 keeps detection in the main thread.
  FACE_CHECK_WORKERS: z.coerce.number().int().min(0).max(16).default(Math.min(availableParallelism(), 4)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QITECH_SANDBOX_API_KEY: apiKey,
  QITECH_SANDBOX_URL: upstreamUrl(QITECH_SANDBOX_URL),
  QITECH_PRODUCTION_API_KEY: apiKey,
  QITECH_PRODUCTION_URL: upstreamUrl(QITECH_PRODUCTION_URL),
  QITECH_SANDBOX_VALIDATION: onOffSwitch,
  QITECH_PRODUCTION_VALIDATION: onOffSwitch,
  QITECH_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  SESSION_MAX_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  SESSION_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, { error: 'must have at least 32 characters' }),
  AUDIT_CPF_KEY: optionalText.refine((v) => v === undefined || v.length >= 32, { error: 'must have at least 32 characters' }),
  API_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(300),
  TRUST_PROXY: trustProxySetting,
  AUDIT_RETENTION_DAYS: auditRetentionDays,
  OIDC_ISSUER: webAddress("the provider's issuer URL, as its discovery document names it"),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  OIDC_ROLE_MAP: optionalText,
  OIDC_GROUPS_CLAIM: optionalText,
  OIDC_PROVIDER_NAME: optionalText.refine((v) => v === undefined || v.trim().length <= 60, { error: 'must be at most 60 characters' }),
  OIDC_SCOPES: optionalText.refine((v) => v === undefined || v.split(/\s+/).includes('openid'), {
    error: 'must include openid (e.g. "openid profile email")',
  }),
  OIDC_SESSION_FOLLOWS_TOKEN: z.string().optional(),
  // The emulator checks faces one at a time: 20 rows/s is about what it takes. QI Tech documents no
  // limit: 4 rows/s is a steady trickle well under one desk's bursts (decision 013).
  BULK_LOCAL_RATE: bulkRate(20),
  BULK_LOCAL_CONCURRENCY: bulkConcurrency(2),
  BULK_SANDBOX_RATE: bulkRate(4),
  BULK_SANDBOX_CONCURRENCY: bulkConcurrency(2),
  BULK_PRODUCTION_RATE: bulkRate(4),
  BULK_PRODUCTION_CONCURRENCY: bulkConcurrency(2),
  PUBLIC_URL: webAddress("the console's address as browsers reach it (https://console.example.com)").refine(
    (v) => v === undefined || !URL.canParse(v) || new URL(v).pathname === '/',
    { error: "must be the address of the console's root, without a path (https://console.example.com)" },
  ),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /**
   * PostgreSQL (DATABASE_URL) for the console's data and the emulator's, shared by every instance
   * of the console; undefined: SQLite files in DATA_DIR (one instance). Holds a password: never log it.
   */
  databaseUrl: string | undefined;
  localEmulator: boolean;
  /**
   * The emulator's key (EMULATOR_API_KEY). The console's emulator demands one in any case: when
   * unset, the key generated into DATA_DIR/emulator.key, or with DATABASE_URL into the database
   * (see emulatorApiKey in app.ts). The
   * standalone emulator (`npm run emulator`) demands it only when set.
   */
  emulatorApiKey: string | undefined;
  emulatorPort: number;
  /** The emulator refuses pictures QI Tech would refuse (image_quality); off: every decodable picture is accepted. */
  emulatorFaceCheck: boolean;
  /** Worker threads that run face detections (FACE_CHECK_WORKERS, issue 17); 0: in the main thread. */
  faceCheckWorkers: number;
  logLevel: string;
  /** QI Tech's sandbox, when its key is set. */
  sandbox: UpstreamSettings | undefined;
  /** QI Tech's production, when its key is set. */
  production: UpstreamSettings | undefined;
  /**
   * Whether the console forwards 1:1 validations (POST /face_recognition/validation) to the sandbox
   * and to production (QITECH_SANDBOX_VALIDATION, QITECH_PRODUCTION_VALIDATION; off by default):
   * QI Tech's newer accounts validate through the Account Event API instead, and answer nothing
   * useful there. The `local` emulator always offers it.
   */
  sandboxValidation: boolean;
  productionValidation: boolean;
  /** How long an upstream call may take, answer included, before the console answers 504. */
  upstreamTimeoutMs: number;
  /** A session unused this long ends. */
  sessionIdleMs: number;
  /** A session ends this long after its login. */
  sessionMaxMs: number;
  /**
   * Signs session cookies; undefined: a random one made once and kept in DATA_DIR/session.key, or
   * with DATABASE_URL in the database (every instance must sign alike).
   */
  sessionSecret: string | undefined;
  /**
   * The key of the audit trail's CPF hashes; undefined: a random one made once and kept in
   * DATA_DIR/audit-cpf.key, or with DATABASE_URL in the database (then a copy of the database
   * holds it: set this to keep it out).
   */
  auditCpfKey: string | undefined;
  /** Requests per minute each account (or, before login, each address) may make to /api. */
  apiRateLimit: number;
  /**
   * Behind reverse proxies: whose X-Forwarded-For/-Proto to believe (Fastify's trustProxy). false:
   * nobody's; a number: that many hops; addresses: those proxies only. Never `true` (every hop).
   */
  trustProxy: false | number | string[];
  /** Audit entries older than this many days are deleted by the retention job (AUDIT_RETENTION_DAYS; decision 011). */
  auditRetentionDays: number;
  /** Single sign-on with an OpenID Connect provider (decision 012); undefined: local accounts only. */
  oidc: OidcSettings | undefined;
  /** Each environment's pace for bulk jobs (BULK_<ENV>_RATE, BULK_<ENV>_CONCURRENCY; decision 013). */
  bulkPace: Record<EnvironmentName, BulkPace>;
}

/** How fast a bulk job may send in one environment. */
export interface BulkPace {
  /** Calls started a second at most (rows/s). */
  rate: number;
  /** Calls in flight at most. */
  concurrency: number;
}

export interface OidcSettings {
  /** The provider's issuer identifier, as its discovery document names it. */
  issuer: string;
  clientId: string;
  /** Never logged, never in an answer. */
  clientSecret: string;
  /** The console's address as browsers reach it, without a trailing slash (the redirect URI is below it). */
  publicUrl: string;
  /** Groups to roles; the first entry whose group the person is in decides. */
  roleMap: RoleMapEntry[];
  /** The ID token claim that lists the person's groups (a list of strings, or one string). */
  groupsClaim: string;
  /** The provider's name on the login page's button ("Entrar com …"). */
  providerName: string;
  /** The scopes asked for. */
  scopes: string;
  /** The console session ends no later than the ID token's `exp`. */
  sessionFollowsToken: boolean;
}

interface UpstreamSettings {
  /** The base URL, without a trailing slash. */
  url: string;
  /** Sent as `Authorization: <key>`; never logged, never in an answer. */
  apiKey: string;
}

type ParsedSettings = z.output<typeof settingsSchema>;

/**
 * Single sign-on's settings: all of OIDC_REQUIRED or none (a half-configured provider is a
 * mistake said at start, naming what is missing), the role map parsed.
 */
function oidcSettings(s: ParsedSettings, problems: string[]): OidcSettings | undefined {
  const given = OIDC_REQUIRED.filter((name) => s[name] !== undefined);
  const extras = OIDC_OPTIONAL.filter((name) => s[name] !== undefined && s[name] !== '');
  if (given.length === 0) {
    for (const name of extras)
      problems.push(
        `  ${name}: is a setting of single sign-on, which is off (OIDC_ISSUER is not set): set ${OIDC_REQUIRED.join(', ')} too, or unset it`,
      );
    return undefined;
  }
  const missing = OIDC_REQUIRED.filter((name) => s[name] === undefined);
  if (missing.length > 0) {
    problems.push(`  single sign-on needs ${OIDC_REQUIRED.join(', ')} all set (or none); missing: ${missing.join(', ')}`);
  }
  const roleMap = parseRoleMap(s.OIDC_ROLE_MAP ?? '');
  if (s.OIDC_ROLE_MAP !== undefined) for (const error of roleMap.errors) problems.push(`  OIDC_ROLE_MAP: ${error}`);
  const follows = onOffSwitchOr(true).safeParse(s.OIDC_SESSION_FOLLOWS_TOKEN);
  if (!follows.success) problems.push(`  OIDC_SESSION_FOLLOWS_TOKEN: must be on or off (true/false and 1/0 are accepted too)`);
  if (s.OIDC_ISSUER === undefined || s.OIDC_CLIENT_ID === undefined || s.OIDC_CLIENT_SECRET === undefined || s.PUBLIC_URL === undefined) {
    return undefined;
  }
  return {
    issuer: s.OIDC_ISSUER,
    clientId: s.OIDC_CLIENT_ID,
    clientSecret: s.OIDC_CLIENT_SECRET,
    publicUrl: s.PUBLIC_URL.replace(/\/+$/, ''),
    roleMap: roleMap.entries,
    groupsClaim: s.OIDC_GROUPS_CLAIM?.trim() ?? 'groups',
    providerName: s.OIDC_PROVIDER_NAME?.trim() ?? new URL(s.OIDC_ISSUER).host,
    scopes: (s.OIDC_SCOPES ?? 'openid profile email').trim().split(/\s+/).join(' '),
    sessionFollowsToken: follows.success ? follows.data : true,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = settingsSchema.safeParse(env);
  const invalid = (lines: string[]) => new Error(`Invalid settings:\n${lines.join('\n')}\nSee the settings in docs/settings.md.`);
  if (!result.success) {
    throw invalid(result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`));
  }
  const s = result.data;
  const problems: string[] = [];
  const oidc = oidcSettings(s, problems);
  if (problems.length > 0) throw invalid(problems);
  return {
    port: s.PORT,
    host: s.HOST,
    dataDir: resolve(s.DATA_DIR),
    databaseUrl: s.DATABASE_URL,
    localEmulator: s.LOCAL_EMULATOR === 'on',
    emulatorApiKey: s.EMULATOR_API_KEY,
    emulatorPort: s.EMULATOR_PORT,
    emulatorFaceCheck: s.EMULATOR_FACE_CHECK === 'on',
    faceCheckWorkers: s.FACE_CHECK_WORKERS,
    logLevel: s.LOG_LEVEL,
    sandbox: s.QITECH_SANDBOX_API_KEY === undefined ? undefined : { url: s.QITECH_SANDBOX_URL, apiKey: s.QITECH_SANDBOX_API_KEY },
    production:
      s.QITECH_PRODUCTION_API_KEY === undefined ? undefined : { url: s.QITECH_PRODUCTION_URL, apiKey: s.QITECH_PRODUCTION_API_KEY },
    sandboxValidation: s.QITECH_SANDBOX_VALIDATION,
    productionValidation: s.QITECH_PRODUCTION_VALIDATION,
    upstreamTimeoutMs: s.QITECH_TIMEOUT_MS,
    sessionIdleMs: s.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: s.SESSION_MAX_HOURS * 3_600_000,
    sessionSecret: s.SESSION_SECRET,
    auditCpfKey: s.AUDIT_CPF_KEY,
    apiRateLimit: s.API_RATE_LIMIT,
    trustProxy: s.TRUST_PROXY,
    auditRetentionDays: s.AUDIT_RETENTION_DAYS,
    oidc,
    bulkPace: {
      local: { rate: s.BULK_LOCAL_RATE, concurrency: s.BULK_LOCAL_CONCURRENCY },
      sandbox: { rate: s.BULK_SANDBOX_RATE, concurrency: s.BULK_SANDBOX_CONCURRENCY },
      production: { rate: s.BULK_PRODUCTION_RATE, concurrency: s.BULK_PRODUCTION_CONCURRENCY },
    },
  };
}
