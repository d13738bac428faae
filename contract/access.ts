import * as z from 'zod/mini';
import { environmentNameSchema } from './console.ts';
import type { EnvironmentName } from './console.ts';

/**
 * Who may do what. The server enforces it on every /api route; the SPA only hides what a role
 * cannot do. One table for both, so they cannot disagree.
 */
export const ROLES = ['admin', 'registrar', 'support', 'qa'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/**
 * What a person does through the console: `register` covers obtaining an image key too;
 * `validate` is a 1:1 validation (a picture against a CPF's registration), which support may do.
 */
export type Capability = 'register' | 'lookup' | 'validate' | 'audit' | 'accounts';

const CAPABILITIES: Record<Role, readonly Capability[]> = {
  admin: ['register', 'lookup', 'validate', 'audit', 'accounts'],
  registrar: ['register', 'lookup', 'validate'],
  support: ['lookup', 'validate'],
  qa: ['register', 'lookup', 'validate'],
};

/** Environments a role may reach at most; an account may be limited further. */
const ROLE_ENVIRONMENTS: Record<Role, readonly EnvironmentName[] | 'all'> = {
  admin: 'all',
  registrar: 'all',
  support: 'all',
  qa: ['local', 'sandbox'],
};

export interface Account {
  name: string;
  role: Role;
  /** null: every environment the role allows. */
  environments: EnvironmentName[] | null;
}

export function can(account: Pick<Account, 'role'>, capability: Capability): boolean {
  return CAPABILITIES[account.role].includes(capability);
}

/** Whether the account may work in this environment at all (registering or looking up). */
export function mayUse(account: Account, environment: EnvironmentName): boolean {
  const byRole = ROLE_ENVIRONMENTS[account.role];
  if (byRole !== 'all' && !byRole.includes(environment)) return false;
  return account.environments === null || account.environments.includes(environment);
}

/** Account names: what people type to log in. */
export const accountNameSchema = z
  .string()
  .check(z.trim(), z.toLowerCase(), z.minLength(2), z.maxLength(64), z.regex(/^[a-z0-9][a-z0-9._@-]*$/));

/** Long enough to resist guessing; long passphrases welcome. */
export const PASSWORD_MIN = 10;
export const passwordSchema = z.string().check(z.minLength(PASSWORD_MIN), z.maxLength(200));

export const accountSchema = z.object({
  name: z.string(),
  role: roleSchema,
  environments: z.nullable(z.array(environmentNameSchema)),
  /**
   * Where the console opens when the address names no environment: the one the account last chose,
   * else the default an admin set, else the first it may use (safest first). Given with the session.
   */
  last_environment: z.optional(z.nullable(environmentNameSchema)),
  default_environment: z.optional(z.nullable(environmentNameSchema)),
});
export type SessionAccount = z.infer<typeof accountSchema>;

/**
 * Single sign-on, when the console has it: the provider's name for the login page's button, and
 * whether password login is still for everyone or only for break-glass accounts.
 */
const ssoSchema = z.object({
  provider: z.string(),
  local_login: z.enum(['everyone', 'break_glass']),
});

/**
 * GET /api/session: who is logged in (null: nobody), whether the console still needs its first
 * admin, and single sign-on (absent or null: none).
 */
export const sessionAnswerSchema = z.object({
  account: z.nullable(accountSchema),
  setup_required: z.boolean(),
  sso: z.optional(z.nullable(ssoSchema)),
});
export type SessionAnswer = z.infer<typeof sessionAnswerSchema>;

/** POST /api/session. */
export const loginRequestSchema = z.strictObject({
  name: z.string().check(z.maxLength(200)),
  password: z.string().check(z.maxLength(200)),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

/** PUT /api/session/environment: the environment the person chose, remembered with their account. */
export const environmentChoiceSchema = z.strictObject({ environment: environmentNameSchema });

/** POST /api/setup: the first admin, with the one-time token the server printed at start. */
export const setupRequestSchema = z.strictObject({
  token: z.string().check(z.maxLength(200)),
  name: accountNameSchema,
  password: passwordSchema,
});
export type SetupRequest = z.input<typeof setupRequestSchema>;

/** GET /api/admin/accounts, POST /api/admin/accounts, PATCH /api/admin/accounts/{name}. */
export const accountListSchema = z.object({
  accounts: z.array(
    z.object({
      name: z.string(),
      role: roleSchema,
      environments: z.nullable(z.array(environmentNameSchema)),
      disabled: z.boolean(),
      default_environment: z.optional(z.nullable(environmentNameSchema)),
      created_at: z.string(),
      last_login_at: z.nullable(z.string()),
      /** `oidc`: made by the identity provider at a login; its role and environments follow its groups there. */
      source: z.optional(z.enum(['local', 'oidc'])),
      /** A local account whose password still logs in while local login is for break-glass accounts only. */
      break_glass: z.optional(z.boolean()),
    }),
  ),
});
export const newAccountSchema = z.strictObject({
  name: accountNameSchema,
  password: passwordSchema,
  role: roleSchema,
  environments: z.optional(z.nullable(z.array(environmentNameSchema))),
});
export const accountChangeSchema = z.strictObject({
  role: z.optional(roleSchema),
  environments: z.optional(z.nullable(z.array(environmentNameSchema))),
  disabled: z.optional(z.boolean()),
  password: z.optional(passwordSchema),
  /** Where the account opens when it has chosen none yet; null: none. One of the environments it may use. */
  default_environment: z.optional(z.nullable(environmentNameSchema)),
  /** Local accounts only: may log in with its password while local login is for break-glass accounts only. */
  break_glass: z.optional(z.boolean()),
});

/**
 * PUT /api/admin/sign-in: who may log in with a password while the console has single sign-on
 * (everyone, or break-glass accounts only).
 */
export const signInSettingSchema = z.strictObject({ local_login: z.enum(['everyone', 'break_glass']) });

/**
 * Why a login through the provider was refused: the audit trail's outcome of `oidc_refused`, and
 * the `sso_error` of the address the browser is sent back to (`/login?sso_error=…`), which the
 * login page says in a sentence.
 */
export const SSO_ERRORS = [
  'provider_unavailable',
  'provider_error',
  'no_transaction',
  'state_mismatch',
  'code_rejected',
  'token_rejected',
  'misconfigured',
  'no_usable_name',
  'no_mapped_group',
  'name_taken',
  'account_disabled',
  'last_admin',
  'account_changed',
] as const;
export type SsoError = (typeof SSO_ERRORS)[number];

/** The audit trail: every action and its outcome. */
export const AUDIT_ACTIONS = [
  'register',
  'image',
  'lookup_key',
  'lookup_document',
  'validation',
  'login',
  'login_failed',
  'logout',
  'setup',
  'access_refused',
  'account_created',
  'account_changed',
  'emulator_key_read',
  // The retention job's deletion of entries older than AUDIT_RETENTION_DAYS (decision 011): the
  // outcome says how many and before when, `deleted:<count> before:<ISO 8601 cut-off>`.
  'audit_pruned',
  // Single sign-on (decision 012): a login through the provider refused (the outcome is one of
  // SSO_ERRORS); OIDC_ROLE_MAP found changed at a start (the outcome is the new map); an admin's
  // change of the sign-in setting (`local_login:everyone` or `local_login:break_glass`).
  'oidc_refused',
  'sso_role_map_changed',
  'setting_changed',
] as const;
const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

const auditEntrySchema = z.object({
  id: z.number(),
  /** ISO 8601, UTC. */
  at: z.string(),
  /** The account acting (for login_failed: the name typed; null when none was given). */
  actor: z.nullable(z.string()),
  action: auditActionSchema,
  environment: z.nullable(environmentNameSchema),
  /** `***.456.789-**`: never the whole CPF. */
  cpf_masked: z.nullable(z.string()),
  registration_key: z.nullable(z.string()),
  /** `ok`, or the refusal's title (`image_quality`, `upstream_timeout`, `forbidden`…). */
  outcome: z.string(),
  /** The HTTP status the console answered. */
  status: z.number(),
  consent_term: z.nullable(z.string()),
  address: z.nullable(z.string()),
  /**
   * A registration whose picture the console's own face check refused, sent anyway after the
   * person confirmed it: the check's status (`face_too_small`…); null otherwise.
   */
  face_check_override: z.nullable(z.string()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** GET /api/admin/audit (JSON, newest first, `before` pages on) and /api/admin/audit.csv take these. */
export const auditQuerySchema = z.strictObject({
  /** ISO date or date-time; `to` is inclusive of its whole day when a date. */
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  user: z.optional(z.string()),
  /** A whole CPF, masked or digits: matched exactly (the trail keeps a keyed hash of it, never the number). */
  cpf: z.optional(z.string()),
  action: z.optional(auditActionSchema),
  /** Only the entries of this environment (logins and account changes have none, so are left out). */
  environment: z.optional(environmentNameSchema),
  /** audit.csv only: `pt-br` (the default: `;`, São Paulo time, words) or `en` (`,`, ISO UTC, codes). */
  format: z.optional(z.enum(['pt-br', 'en'])),
  before: z.optional(z.string()),
  limit: z.optional(z.string()),
});
export const auditAnswerSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as `before` for the next (older) page; null at the end. */
  next_before: z.nullable(z.number()),
});

/**
 * GET /api/admin/emulator (admins): how to reach the console's built-in emulator directly, as QA's
 * scripts do: its base path on this console, and the key it demands in `Authorization`.
 */
export const emulatorAccessSchema = z.object({
  base_url: z.string(),
  api_key: z.string(),
});
export type EmulatorAccess = z.infer<typeof emulatorAccessSchema>;

/** The header the SPA sends with a registration: the consent term's version the customer accepted. */
export const CONSENT_HEADER = 'x-consent-term';

/**
 * The header the SPA sends with a registration whose picture the console's face check refused and
 * the person sent anyway: the check's status, one of FACE_STATUSES (contract/face-quality.ts).
 * Kept in the audit trail; never forwarded to QI Tech.
 */
export const FACE_CHECK_OVERRIDE_HEADER = 'x-face-check-override';
