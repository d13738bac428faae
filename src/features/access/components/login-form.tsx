import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useId } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { Account } from '../../../../contract/access.ts';
import { ApiError } from '../../../api/client.ts';
import { logIn } from '../../../api/session.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { loginFormSchema } from '../api/access-forms.ts';
import type { LoginForm as LoginFormValues } from '../api/access-forms.ts';

/**
 * Name and password, sent to POST /api/session. With `fixedName` (logging in again over a page
 * whose session ended) the name is shown but not editable: the page's data belongs to that account.
 */
export function LoginForm({
  fixedName,
  submitLabel,
  onLoggedIn,
}: {
  fixedName?: string;
  submitLabel: string;
  onLoggedIn: (account: Account) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const mutation = useMutation(logIn());
  const form = useForm<LoginFormValues>({
    resolver: zodResolver(loginFormSchema),
    defaultValues: { name: fixedName ?? '', password: '' },
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const { errors } = form.formState;

  useEffect(() => {
    form.setFocus(fixedName === undefined ? 'name' : 'password');
  }, [form, fixedName]);

  const onValid = (values: LoginFormValues) => {
    mutation.mutate(values, {
      onSuccess: ({ account }) => onLoggedIn(account),
      onError: (error) => {
        // A wrong password is typed again from scratch; the name, usually right, stays.
        if (error instanceof ApiError && error.title === 'invalid_credentials') {
          form.setValue('password', '');
          form.setFocus('password');
        }
      },
    });
  };

  // A refusal of the login (wrong password, locked, disabled) is about both fields: each is described by it too.
  const failure = mutation.isError ? `${id}-failure` : undefined;

  return (
    <form className="stack login-form" noValidate onSubmit={(event) => void form.handleSubmit(onValid)(event)}>
      <Field
        id={`${id}-name`}
        label={t('login.name')}
        error={errors.name === undefined ? undefined : t('login.nameRequired')}
        describedBy={failure}
      >
        {(control) => (
          <input
            {...control}
            {...form.register('name')}
            readOnly={fixedName !== undefined}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        id={`${id}-password`}
        label={t('login.password')}
        error={errors.password === undefined ? undefined : t('login.passwordRequired')}
        describedBy={failure}
      >
        {(control) => <input {...control} type="password" {...form.register('password')} autoComplete="current-password" />}
      </Field>
      {mutation.isError && <ApiErrorMessage id={`${id}-failure`} error={mutation.error} heading={t('login.failed')} />}
      <div className="actions">
        <button type="submit" className="button primary" disabled={mutation.isPending}>
          {mutation.isPending ? t('login.submitting') : submitLabel}
        </button>
      </div>
    </form>
  );
}
