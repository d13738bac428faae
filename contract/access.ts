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
 * `validate` is a 1:1 validation (a picture against a CPF's registration), which support may do;
 * `bulk` registers a CSV of CPFs and their photos as a job (admins and registrars only).
 */
export type Capability = 'register' | 'lookup' | 'validate' | 'bulk' | 'audit' | 'accounts';

const CAPABILITIES: Record<Role, readonly Capability[]> = {
  admin: ['register', 'lookup', 'validate', 'bulk', 'audit', 'accounts'],
  registrar: ['register', 'lookup', 'validate', 'bulk'],
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
  /** `oidc`: the account logs in through the identity provider (its session is renewed there, not with a password). */
  source: z.optional(z.enum(['local', 'oidc'])),
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
export type Sso = z.infer<typeof ssoSchema>;

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

/** The header the SPA sends with a registration: the consent term's version the customer accepted. */
export const CONSENT_HEADER = 'x-consent-term';

/**
 * The header the SPA sends with a registration whose picture the console's face check refused and
 * the person sent anyway: the check's status, one of FACE_STATUSES (contract/face-quality.ts).
 * Kept in the audit trail; never forwarded to QI Tech.
 */
export const FACE_CHECK_OVERRIDE_HEADER = 'x-face-check-override';
