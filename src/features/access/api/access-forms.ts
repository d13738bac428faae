import * as z from 'zod/mini';
import { accountNameSchema, passwordSchema } from '../../../../contract/access.ts';

/**
 * The login form: both fields filled. Whether they are right is the server's answer alone (the
 * contract's `loginRequestSchema`); the form only says what is missing.
 */
export const loginFormSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});
export type LoginForm = z.infer<typeof loginFormSchema>;

/** The first admin: the contract's own name and password rules (the server applies the same), typed twice. */
export const setupFormSchema = z
  .object({
    name: accountNameSchema,
    password: passwordSchema,
    confirm: z.string(),
  })
  .check(
    z.refine((form) => form.password === form.confirm, {
      path: ['confirm'],
      error: 'the passwords differ',
    }),
  );
export type SetupFormInput = z.input<typeof setupFormSchema>;
export type SetupForm = z.output<typeof setupFormSchema>;
