import * as z from 'zod/mini';
import { environmentNameSchema } from './console.ts';
import { accountNameSchema, passwordSchema, roleSchema } from './access.ts';
import { cpfSchema } from './cpf.ts';

/*
 * The part of the access contract that only the pages loaded later (setup, accounts, audit, single
 * sign-on's words) and the server use: apart from access.ts, which the first page loads, so that
 * none of it weighs on the first page (zod schemas are built when their module loads).
 */

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

/** GET and PUT /api/admin/sign-in answer: the setting, and the provider (null: no single sign-on). */
export const signInAnswerSchema = z.object({
  local_login: z.enum(['everyone', 'break_glass']),
  sso: z.nullable(z.object({ provider: z.string(), issuer: z.string(), role_map: z.string() })),
});

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
  'group_overage',
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
  // Bulk registration (decision 013): a job made from an upload (outcome: its row count), started
  // (in production: confirmed by an admin naming the count), paused, resumed, cancelled, ended.
  // Each of its rows sent is a `register` entry of its own, with `bulk_job` naming the job.
  'bulk_job_created',
  'bulk_job_started',
  'bulk_job_paused',
  'bulk_job_resumed',
  'bulk_job_cancelled',
  'bulk_job_finished',
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
  /** The bulk job (its id) a registration was sent by, or the job a `bulk_job_*` entry is about; null otherwise. */
  bulk_job: z.optional(z.nullable(z.string())),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** GET /api/admin/audit (JSON, newest first, `before` pages on) and /api/admin/audit.csv take these. */
export const auditQuerySchema = z.strictObject({
  /** ISO date or date-time; `to` is inclusive of its whole day when a date. */
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  user: z.optional(z.string()),
  /**
   * A whole CPF, masked or digits: matched exactly (the trail keeps a keyed hash of it, never the
   * number). For scripts that had it so; an address with a CPF reaches whatever logs addresses in
   * front of the console (a proxy, a download's history), so the console itself sends `cpf_hash`.
   */
  cpf: z.optional(z.string()),
  /** The CPF's keyed hash, as POST /api/admin/audit/cpf-hash answers it: the same selection as `cpf`, with no CPF in the address. */
  cpf_hash: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, { error: 'cpf_hash must be the value POST /api/admin/audit/cpf-hash answered.' })),
  ),
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
 * POST /api/admin/audit/cpf-hash (admins): a CPF, in the body, for the key that selects its entries
 * (`cpf_hash` of GET /api/admin/audit and audit.csv), so that no address ever holds the CPF.
 */
export const auditCpfHashRequestSchema = z.strictObject({ cpf: cpfSchema });
export type AuditCpfHashRequest = z.input<typeof auditCpfHashRequestSchema>;
export const auditCpfHashAnswerSchema = z.object({
  /** The CPF's HMAC-SHA-256 under the trail's CPF key (base64url): what the trail keeps, useless without that key. */
  cpf_hash: z.string(),
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
