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
    }),
  ),
});

export type EnvironmentName = z.infer<typeof environmentNameSchema>;
export type EnvironmentsAnswer = z.infer<typeof environmentsAnswerSchema>;
