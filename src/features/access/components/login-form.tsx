import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useId } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../../../contract/access.ts';
import { ApiError } from '../../../api/client.ts';
import { logIn } from '../../../api/session.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
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

  const describedBy = (field: string, error: boolean) =>
    [error && `${id}-${field}-error`, mutation.isError && `${id}-failure`].filter(Boolean).join(' ') || undefined;

  return (
    <form className="stack login-form" noValidate onSubmit={(event) => void form.handleSubmit(onValid)(event)}>
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('login.name')}</label>
        <input
          id={`${id}-name`}
          {...form.register('name')}
          readOnly={fixedName !== undefined}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          aria-invalid={errors.name !== undefined}
          aria-describedby={describedBy('name', errors.name !== undefined)}
        />
        {errors.name !== undefined && (
          <p id={`${id}-name-error`} className="field-error">
            {t('login.nameRequired')}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>{t('login.password')}</label>
        <input
          id={`${id}-password`}
          type="password"
          {...form.register('password')}
          autoComplete="current-password"
          aria-invalid={errors.password !== undefined}
          aria-describedby={describedBy('password', errors.password !== undefined)}
        />
        {errors.password !== undefined && (
          <p id={`${id}-password-error`} className="field-error">
            {t('login.passwordRequired')}
          </p>
        )}
      </div>
      {mutation.isError && <ApiErrorMessage id={`${id}-failure`} error={mutation.error} heading={t('login.failed')} />}
      <div className="actions">
        <button type="submit" className="button primary" disabled={mutation.isPending}>
          {mutation.isPending ? t('login.submitting') : submitLabel}
        </button>
      </div>
    </form>
  );
}
