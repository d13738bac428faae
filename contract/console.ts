import * as z from 'zod/mini';

/** The kinds of environment; each is at most once in a console. */
export const environmentNameSchema = z.enum(['local', 'sandbox', 'production']);

/** GET /api/environments: what this console's server is configured to reach. */
export const environmentsAnswerSchema = z.object({
  environments: z.array(
    z.object({
      name: environmentNameSchema,
      /** True where data is synthetic (the emulator, QI Tech's sandbox): the SPA may offer test CPFs. */
      synthetic: z.boolean(),
      /**
       * Whether POST /api/{env}/face_recognition/validation is offered here: always in `local`; in
       * `sandbox` and `production` only when the administrator enabled it
       * (QITECH_SANDBOX_VALIDATION / QITECH_PRODUCTION_VALIDATION=on), since QI Tech's newer
       * accounts validate through the Account Event API instead.
       */
      validation: z.boolean(),
    }),
  ),
});

export type EnvironmentName = z.infer<typeof environmentNameSchema>;
export type EnvironmentsAnswer = z.infer<typeof environmentsAnswerSchema>;

/**
 * The console server's answers when an environment's upstream (QI Tech, or an emulator over HTTP)
 * fails. The body is `{title, description}` like every error, plus `upstream_status` where the
 * upstream did answer.
 * - `upstream_unreachable` 502: no connection (refused, DNS): nothing reached the upstream.
 * - `upstream_timeout` 504: no answer within the timeout.
 * - `upstream_connection_lost` 502: the connection was cut before an answer.
 * - `upstream_error` 502: the upstream answered 5xx (`upstream_status`).
 * - `upstream_key_refused` 502: the upstream answered 401/403 to the console's own key: a
 *   configuration problem for an administrator (`upstream_status`).
 * - `bad_upstream_answer` 502: an answer that does not fit the contract (`upstream_status`).
 */
export const UPSTREAM_FAULT_TITLES = [
  'upstream_unreachable',
  'upstream_timeout',
  'upstream_connection_lost',
  'upstream_error',
  'upstream_key_refused',
  'bad_upstream_answer',
] as const;

export type UpstreamFaultTitle = (typeof UPSTREAM_FAULT_TITLES)[number];

/**
 * After these, a registration (POST) may or may not have been created upstream: the request may
 * have arrived and been processed even though no answer came back. Look the CPF up before any retry.
 */
export const OUTCOME_UNKNOWN_TITLES: readonly UpstreamFaultTitle[] = ['upstream_timeout', 'upstream_connection_lost'];
