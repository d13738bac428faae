// The Contas page's edit panel of one account: role, environments, default environment, password,
// disable (after a confirmation) and enable.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { PASSWORD_MIN, mayUse } from '../../../../contract/access.ts';
import type { Role } from '../../../../contract/access.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { ENVIRONMENT_NAMES, accountQueries, changeAccount, passwordFormSchema } from '../api/accounts.ts';
import type { AccountChange, AccountRow, PasswordForm } from '../api/accounts.ts';
import { EnvironmentsPicker, GeneratedPassword, RoleOptions, useEnvironmentsText, useGeneratedPassword } from './account-form-parts.tsx';

/**
 * Where the console opens for the account until the person chooses an environment in the selector
 * (issue 12): one of those it may use as saved, or none (the first it may use, the safest).
 */
function DefaultEnvironment({
  account,
  pending,
  save,
}: {
  account: AccountRow;
  pending: boolean;
  save: (change: AccountChange, message: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [chosen, setChosen] = useState<EnvironmentName | ''>(account.default_environment ?? '');
  const usable = ENVIRONMENT_NAMES.filter((env) => mayUse(account, env) || env === account.default_environment);
  const name = (env: EnvironmentName | '') => (env === '' ? t('accounts.edit.defaultEnvironmentNone') : t(`environments.${env}.name`));
  return (
    <Field
      id={`${id}-default-env`}
      label={t('accounts.edit.defaultEnvironment')}
      hint={t('accounts.edit.defaultEnvironmentHint')}
      inline={
        <button
          type="button"
          className="button secondary"
          aria-disabled={pending}
          onClick={() =>
            save(
              { default_environment: chosen === '' ? null : chosen },
              t('accounts.edit.defaultEnvironmentChanged', { name: account.name, environment: name(chosen) }),
            )
          }
        >
          {t('accounts.edit.saveDefaultEnvironment')}
        </button>
      }
    >
      {(control) => (
        <select
          {...control}
          value={chosen}
          onChange={(event) => setChosen(event.target.value === '' ? '' : (event.target.value as EnvironmentName))}
        >
          <option value="">{name('')}</option>
          {usable.map((env) => (
            <option key={env} value={env}>
              {name(env)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The changes to one account, each saved on its own: role, environments, active or not, password. */
export function AccountEditor({
  account,
  own,
  provider,
  onClose,
}: {
  account: AccountRow;
  own: boolean;
  /** The identity provider's name, for an account that comes from it. */
  provider: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const environmentsText = useEnvironmentsText();
  const mutation = useMutation(changeAccount());
  const [done, setDone] = useState<string | null>(null);
  const [role, setRole] = useState<Role>(account.role);
  const [allEnvironments, setAllEnvironments] = useState(account.environments === null);
  const [environments, setEnvironments] = useState<EnvironmentName[]>(account.environments ?? []);
  const [environmentsError, setEnvironmentsError] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  const passwordForm = useForm<PasswordForm>({
    resolver: zodResolver(passwordFormSchema),
    defaultValues: { password: '' },
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const password = useWatch({ control: passwordForm.control, name: 'password' });
  const passwordError = passwordForm.formState.errors.password;
  const generator = useGeneratedPassword((value) => {
    passwordForm.setValue('password', value, { shouldValidate: passwordForm.formState.isSubmitted });
  });

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    if (confirming) confirmHeading.current?.focus();
  }, [confirming]);

  // The buttons stay enabled while a change is saved (aria-disabled, and ignored): a disabled
  // button loses focus, and the person would be left at the top of the page after each change.
  const save = (change: AccountChange, message: string, after?: () => void) => {
    if (mutation.isPending) return;
    setDone(null);
    mutation.mutate(
      { name: account.name, change },
      {
        onSuccess: () => {
          setDone(message);
          announce(message);
          after?.();
          void queryClient.invalidateQueries({ queryKey: accountQueries.all() });
        },
      },
    );
  };

  const saveEnvironments = () => {
    if (!allEnvironments && environments.length === 0) {
      setEnvironmentsError(t('accounts.form.environmentsRequired'));
      return;
    }
    setEnvironmentsError(undefined);
    const chosen = allEnvironments ? null : environments;
    save({ environments: chosen }, t('accounts.edit.environmentsChanged', { name: account.name, environments: environmentsText(chosen) }));
  };

  const cancelDisable = () => {
    setConfirming(false);
    toggle.current?.focus();
  };
  const confirmDisable = () => {
    setConfirming(false);
    // Back on the button, which will read "Reativar conta" once the list shows the change.
    toggle.current?.focus();
    save({ disabled: true }, t('accounts.edit.disabled', { name: account.name }));
  };

  // An account of the identity provider: its role and environments follow its groups there, it has no password here.
  const local = account.source !== 'oidc';

  const passwordMessage =
    passwordError === undefined
      ? undefined
      : password.length < PASSWORD_MIN
        ? t('accounts.form.passwordShort', { min: PASSWORD_MIN })
        : t('accounts.form.passwordLong');

  return (
    <div className="stack" role="group" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} ref={heading} tabIndex={-1}>
        {t('accounts.edit.heading', { name: account.name })}
      </h2>
      <p className="hint">{own ? t('accounts.edit.ownHint') : t('accounts.edit.hint')}</p>

      {local ? (
        <>
          <Field
            id={`${id}-role`}
            label={t('accounts.form.role')}
            inline={
              <button
                type="button"
                className="button secondary"
                aria-disabled={mutation.isPending}
                onClick={() => save({ role }, t('accounts.edit.roleChanged', { name: account.name, role: t(`roles.${role}`) }))}
              >
                {t('accounts.edit.saveRole')}
              </button>
            }
          >
            {(control) => (
              <select {...control} value={role} onChange={(event) => setRole(event.target.value as Role)}>
                <RoleOptions />
              </select>
            )}
          </Field>

          <EnvironmentsPicker
            all={allEnvironments}
            chosen={environments}
            onAll={setAllEnvironments}
            onChosen={setEnvironments}
            error={environmentsError}
          />
          <div className="actions">
            <button type="button" className="button secondary" aria-disabled={mutation.isPending} onClick={saveEnvironments}>
              {t('accounts.edit.saveEnvironments')}
            </button>
          </div>
        </>
      ) : (
        <p className="hint">{t('accounts.edit.providerHint', { provider })}</p>
      )}

      <DefaultEnvironment account={account} pending={mutation.isPending} save={save} />

      {local && (
        <>
          <form
            noValidate
            onSubmit={(event) =>
              void passwordForm.handleSubmit((values) =>
                save({ password: values.password }, t('accounts.edit.passwordChanged', { name: account.name }), () => passwordForm.reset()),
              )(event)
            }
          >
            <Field
              id={`${id}-password`}
              label={t('accounts.edit.password')}
              hint={t('accounts.form.passwordMin', { min: PASSWORD_MIN })}
              error={passwordMessage}
              inline={
                <>
                  <button type="submit" className="button secondary" aria-disabled={mutation.isPending}>
                    {t('accounts.edit.savePassword')}
                  </button>
                  <button type="button" className="button secondary" onClick={generator.generate}>
                    {t('accounts.form.generate')}
                  </button>
                </>
              }
            >
              {(control) => (
                <input
                  {...control}
                  type="password"
                  {...passwordForm.register('password', { onChange: generator.forget })}
                  autoComplete="new-password"
                />
              )}
            </Field>
          </form>

          {generator.generated !== null && <GeneratedPassword password={generator.generated} />}
          {/* Logs in with its password while password login is for break-glass accounts only. */}
          <p>
            {t('accounts.edit.breakGlass')}: {account.break_glass === true ? t('accounts.source.breakGlass') : t('accounts.source.local')}
          </p>
          <p className="hint" id={`${id}-break-glass-hint`}>
            {t('accounts.edit.breakGlassHint')}
          </p>
          <div className="actions">
            <button
              type="button"
              className="button secondary"
              aria-describedby={`${id}-break-glass-hint`}
              aria-disabled={mutation.isPending}
              onClick={() =>
                save(
                  { break_glass: account.break_glass !== true },
                  t(account.break_glass === true ? 'accounts.edit.breakGlassOff' : 'accounts.edit.breakGlassOn', { name: account.name }),
                )
              }
            >
              {account.break_glass === true ? t('accounts.edit.unmarkBreakGlass') : t('accounts.edit.markBreakGlass')}
            </button>
          </div>
        </>
      )}

      <div className="actions">
        {/* One button whichever way it goes, so focus stays on it once the list shows the change. */}
        <button
          ref={toggle}
          type="button"
          className="button secondary"
          aria-disabled={mutation.isPending}
          aria-expanded={account.disabled ? undefined : confirming}
          onClick={() => {
            if (mutation.isPending) return;
            if (account.disabled) save({ disabled: false }, t('accounts.edit.enabled', { name: account.name }));
            else setConfirming(true);
          }}
        >
          {account.disabled ? t('accounts.edit.enable') : t('accounts.edit.disable')}
        </button>
        <button type="button" className="button secondary" onClick={onClose}>
          {t('accounts.edit.close')}
        </button>
      </div>

      {/* Disabling ends the person's sessions at once: asked first, naming the account. */}
      {confirming && (
        <div
          className="alert warning"
          role="alertdialog"
          aria-labelledby={`${id}-confirm`}
          aria-describedby={`${id}-confirm-body`}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              cancelDisable();
            }
          }}
        >
          <h3 id={`${id}-confirm`} ref={confirmHeading} tabIndex={-1}>
            {t('accounts.edit.confirmDisable', { name: account.name })}
          </h3>
          <p id={`${id}-confirm-body`}>{t('accounts.edit.confirmDisableBody', { name: account.name })}</p>
          <div className="actions">
            <button type="button" className="button" onClick={confirmDisable}>
              {t('accounts.edit.confirmDisableYes', { name: account.name })}
            </button>
            <button type="button" className="button secondary" onClick={cancelDisable}>
              {t('accounts.edit.cancel')}
            </button>
          </div>
        </div>
      )}

      {mutation.isPending && <p className="hint">{t('accounts.edit.saving')}</p>}
      {mutation.isError && <ApiErrorMessage error={mutation.error} heading={t('accounts.edit.failed', { name: account.name })} />}
      {done !== null && <p className="success-text">{done}</p>}
    </div>
  );
}
