import { mutationOptions, queryOptions } from '@tanstack/react-query';
import * as z from 'zod/mini';
import { accountNameSchema, accountSchema, passwordSchema, roleSchema } from '../../../../contract/access.ts';
import { accountChangeSchema, accountListSchema, newAccountSchema, signInAnswerSchema } from '../../../../contract/access-admin.ts';
import { environmentNameSchema } from '../../../../contract/console.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { apiRequest } from '../../../api/client.ts';

/** An account as the admin list shows it. */
export type AccountRow = z.infer<typeof accountListSchema>['accounts'][number];
export type NewAccount = z.input<typeof newAccountSchema>;
export type AccountChange = z.input<typeof accountChangeSchema>;

/** Every environment an account may be limited to, in the contract's order. */
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = environmentNameSchema.options;

export const accountQueries = {
  all: () => ['accounts'] as const,
  list: () =>
    queryOptions({
      queryKey: accountQueries.all(),
      queryFn: ({ signal }) => apiRequest('/admin/accounts', accountListSchema, { signal }),
      // Other admins change accounts too: opening the page again shows what is new.
      staleTime: 0,
    }),
};

/** Single sign-on as the console has it, and who may log in with a password (PUT changes it). */
export const signInQueries = {
  current: () =>
    queryOptions({
      queryKey: ['accounts', 'sign-in'] as const,
      queryFn: ({ signal }) => apiRequest('/admin/sign-in', signInAnswerSchema, { signal }),
    }),
};

export const changeSignIn = () =>
  mutationOptions({
    mutationKey: ['accounts', 'sign-in', 'change'],
    mutationFn: (local_login: 'everyone' | 'break_glass') =>
      apiRequest('/admin/sign-in', signInAnswerSchema, { method: 'PUT', body: { local_login } }),
  });

export const createAccount = () =>
  mutationOptions({
    mutationKey: ['accounts', 'create'],
    mutationFn: (request: NewAccount) => apiRequest('/admin/accounts', accountSchema, { method: 'POST', body: request }),
  });

export const changeAccount = () =>
  mutationOptions({
    mutationKey: ['accounts', 'change'],
    mutationFn: ({ name, change }: { name: string; change: AccountChange }) =>
      apiRequest(`/admin/accounts/${encodeURIComponent(name)}`, z.unknown(), { method: 'PATCH', body: change }),
  });

/**
 * The new-account form: the contract's own name, role and password rules (the server applies the
 * same); every environment unless "all" is unticked, then at least one.
 */
export const newAccountFormSchema = z
  .object({
    name: accountNameSchema,
    role: roleSchema,
    allEnvironments: z.boolean(),
    environments: z.array(environmentNameSchema),
    password: passwordSchema,
  })
  .check(
    z.refine((form) => form.allEnvironments || form.environments.length > 0, {
      path: ['environments'],
      error: 'no environment chosen',
    }),
  );
export type NewAccountFormInput = z.input<typeof newAccountFormSchema>;
export type NewAccountForm = z.output<typeof newAccountFormSchema>;

/** A new password for an account. */
export const passwordFormSchema = z.object({ password: passwordSchema });
export type PasswordForm = z.infer<typeof passwordFormSchema>;
