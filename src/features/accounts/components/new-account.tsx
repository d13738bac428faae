// The Contas page's form for a new account.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { PASSWORD_MIN } from '../../../../contract/access.ts';
import { ApiError } from '../../../api/client.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { accountQueries, createAccount, newAccountFormSchema } from '../api/accounts.ts';
import type { NewAccountForm, NewAccountFormInput } from '../api/accounts.ts';
import { EnvironmentsPicker, GeneratedPassword, RoleOptions, useGeneratedPassword } from './account-form-parts.tsx';

/** The form that creates an account; the list shows it once the server has. */
export function NewAccount() {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const mutation = useMutation(createAccount());
  const [created, setCreated] = useState<string | null>(null);
  const form = useForm<NewAccountFormInput, unknown, NewAccountForm>({
    resolver: zodResolver(newAccountFormSchema),
    defaultValues: { name: '', role: 'registrar', allEnvironments: true, environments: [], password: '' },
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const { errors, isSubmitted } = form.formState;
  const [name, password, allEnvironments, environments] = useWatch({
    control: form.control,
    name: ['name', 'password', 'allEnvironments', 'environments'],
  });
  useEffect(() => {
    // The submit button, disabled while sending, lost focus: the form is ready for the next one.
    if (created !== null) form.setFocus('name');
  }, [created, form]);

  // A refusal is about what was sent: once the form changes, it no longer applies.
  const clearFailure = () => {
    if (mutation.isError) mutation.reset();
  };
  const generator = useGeneratedPassword((value) => {
    form.setValue('password', value, { shouldValidate: isSubmitted });
    clearFailure();
  });

  const onValid = (values: NewAccountForm) => {
    setCreated(null);
    mutation.mutate(
      {
        name: values.name,
        role: values.role,
        password: values.password,
        environments: values.allEnvironments ? null : values.environments,
      },
      {
        onSuccess: (account) => {
          const message = t('accounts.form.created', { name: account.name, role: t(`roles.${account.role}`) });
          setCreated(message);
          announce(message);
          form.reset();
          void queryClient.invalidateQueries({ queryKey: accountQueries.all() });
        },
        onError: (error) => {
          if (error instanceof ApiError && error.title === 'account_exists') form.setFocus('name');
        },
      },
    );
  };

  const nameMessage =
    errors.name === undefined ? undefined : name.trim() === '' ? t('accounts.form.nameRequired') : t('accounts.form.nameInvalid');
  const passwordMessage =
    errors.password === undefined
      ? undefined
      : password.length < PASSWORD_MIN
        ? t('accounts.form.passwordShort', { min: PASSWORD_MIN })
        : t('accounts.form.passwordLong');
  const environmentsMessage = errors.environments === undefined ? undefined : t('accounts.form.environmentsRequired');

  return (
    <section aria-labelledby={`${id}-heading`} className="narrow">
      <h2 id={`${id}-heading`}>{t('accounts.form.heading')}</h2>
      <form className="stack" noValidate onSubmit={(event) => void form.handleSubmit(onValid)(event)}>
        <Field id={`${id}-name`} label={t('accounts.form.name')} hint={t('accounts.form.nameHint')} error={nameMessage}>
          {(control) => (
            <input
              {...control}
              {...form.register('name', { onChange: clearFailure })}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <Field id={`${id}-role`} label={t('accounts.form.role')}>
          {(control) => (
            <select {...control} {...form.register('role', { onChange: clearFailure })}>
              <RoleOptions />
            </select>
          )}
        </Field>
        <EnvironmentsPicker
          all={allEnvironments}
          chosen={environments}
          onAll={(all) => {
            form.setValue('allEnvironments', all);
            clearFailure();
            if (isSubmitted) void form.trigger('environments');
          }}
          onChosen={(chosen) => {
            form.setValue('environments', chosen);
            clearFailure();
            if (isSubmitted) void form.trigger('environments');
          }}
          error={environmentsMessage}
        />
        <Field
          id={`${id}-password`}
          label={t('accounts.form.password')}
          hint={t('accounts.form.passwordHint', { min: PASSWORD_MIN })}
          error={passwordMessage}
          inline={
            <button type="button" className="button secondary" onClick={generator.generate}>
              {t('accounts.form.generate')}
            </button>
          }
        >
          {(control) => (
            <input
              {...control}
              type="password"
              {...form.register('password', {
                onChange: () => {
                  clearFailure();
                  generator.forget();
                },
              })}
              autoComplete="new-password"
            />
          )}
        </Field>
        {generator.generated !== null && <GeneratedPassword password={generator.generated} />}
        {mutation.isError && <ApiErrorMessage error={mutation.error} heading={t('accounts.form.failed')} />}
        {created !== null && <p className="success-text">{created}</p>}
        <div className="actions">
          <button type="submit" className="button primary" disabled={mutation.isPending}>
            {mutation.isPending ? t('accounts.form.submitting') : t('accounts.form.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
