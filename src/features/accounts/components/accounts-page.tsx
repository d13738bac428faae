import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN, ROLES, mayUse } from '../../../../contract/access.ts';
import type { Role } from '../../../../contract/access.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { generatePassword } from '../../../../contract/password.ts';
import { ApiError } from '../../../api/client.ts';
import { sessionQueries } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { formatDateTime } from '../../../lib/i18n/i18n.ts';
import {
  ENVIRONMENT_NAMES,
  accountQueries,
  changeAccount,
  createAccount,
  newAccountFormSchema,
  passwordFormSchema,
} from '../api/accounts.ts';
import type { AccountChange, AccountRow, NewAccountForm, NewAccountFormInput, PasswordForm } from '../api/accounts.ts';
import { EmulatorKey } from './emulator-key.tsx';

/** The environments of an account in words: every one (null), or the ones it is limited to. */
function useEnvironmentsText(): (environments: EnvironmentName[] | null) => string {
  const { t } = useTranslation();
  return (environments) =>
    environments === null
      ? t('accounts.allEnvironments')
      : environments.length === 0
        ? t('accounts.noEnvironments')
        : environments.map((env) => t(`environments.${env}.name`)).join(', ');
}

/** "Todos os ambientes", or the environments ticked one by one. */
function EnvironmentsPicker({
  all,
  chosen,
  onAll,
  onChosen,
  error,
}: {
  all: boolean;
  chosen: readonly EnvironmentName[];
  onAll: (all: boolean) => void;
  onChosen: (chosen: EnvironmentName[]) => void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset className="subtle" aria-describedby={`${id}-hint${error === undefined ? '' : ` ${id}-error`}`}>
      <legend>{t('accounts.form.environments')}</legend>
      <label className="checkbox">
        <input type="checkbox" checked={all} onChange={(event) => onAll(event.target.checked)} />
        {t('accounts.form.allEnvironments')}
      </label>
      {!all &&
        ENVIRONMENT_NAMES.map((env) => (
          <label key={env} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(env)}
              aria-invalid={error !== undefined}
              onChange={(event) =>
                onChosen(
                  event.target.checked ? ENVIRONMENT_NAMES.filter((e) => e === env || chosen.includes(e)) : chosen.filter((e) => e !== env),
                )
              }
            />
            {t(`environments.${env}.name`)}
          </label>
        ))}
      <p id={`${id}-hint`} className="hint">
        {t('accounts.form.environmentsHint')}
      </p>
      {error !== undefined && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * "Gerar senha": a strong password (contract/password.ts, as `npm run user` makes) put in the
 * field and shown in clear once, to be copied and handed over; typing another password forgets it.
 */
function useGeneratedPassword(fill: (password: string) => void) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [generated, setGenerated] = useState<string | null>(null);
  const generate = () => {
    const password = generatePassword();
    fill(password);
    setGenerated(password);
    announce(t('accounts.form.generatedAnnounce'));
  };
  return { generated, generate, forget: () => setGenerated(null) };
}

function GeneratedPassword({ password }: { password: string }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="stack" role="group" aria-labelledby={`${id}-label`} aria-describedby={`${id}-hint`}>
      <p className="inline">
        <span id={`${id}-label`}>{t('accounts.form.generated')}</span> <code>{password}</code>{' '}
        <CopyButton value={password} what={t('accounts.form.generatedCopyWhat')} />
      </p>
      <p id={`${id}-hint`} className="hint">
        {t('accounts.form.generatedHint')}
      </p>
    </div>
  );
}

/** The form that creates an account; the list shows it once the server has. */
function NewAccount() {
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
        <div className="field">
          <label htmlFor={`${id}-role`}>{t('accounts.form.role')}</label>
          <select id={`${id}-role`} {...form.register('role', { onChange: clearFailure })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`roles.${role}`)}
              </option>
            ))}
          </select>
        </div>
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
        >
          {(control) => (
            <div className="inline">
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
              <button type="button" className="button secondary" onClick={generator.generate}>
                {t('accounts.form.generate')}
              </button>
            </div>
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
    <div className="field">
      <label htmlFor={`${id}-default-env`}>{t('accounts.edit.defaultEnvironment')}</label>
      <div className="inline">
        <select
          id={`${id}-default-env`}
          value={chosen}
          aria-describedby={`${id}-default-env-hint`}
          onChange={(event) => setChosen(event.target.value === '' ? '' : (event.target.value as EnvironmentName))}
        >
          <option value="">{name('')}</option>
          {usable.map((env) => (
            <option key={env} value={env}>
              {name(env)}
            </option>
          ))}
        </select>
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
      </div>
      <p id={`${id}-default-env-hint`} className="hint">
        {t('accounts.edit.defaultEnvironmentHint')}
      </p>
    </div>
  );
}

/** The changes to one account, each saved on its own: role, environments, active or not, password. */
function AccountEditor({ account, own, onClose }: { account: AccountRow; own: boolean; onClose: () => void }) {
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

      <div className="field">
        <label htmlFor={`${id}-role`}>{t('accounts.form.role')}</label>
        <div className="inline">
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button secondary"
            aria-disabled={mutation.isPending}
            onClick={() => save({ role }, t('accounts.edit.roleChanged', { name: account.name, role: t(`roles.${role}`) }))}
          >
            {t('accounts.edit.saveRole')}
          </button>
        </div>
      </div>

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

      <DefaultEnvironment account={account} pending={mutation.isPending} save={save} />

      <form
        noValidate
        onSubmit={(event) =>
          void passwordForm.handleSubmit((values) =>
            save({ password: values.password }, t('accounts.edit.passwordChanged', { name: account.name }), () => passwordForm.reset()),
          )(event)
        }
      >
        <div className="field">
          <label htmlFor={`${id}-password`}>{t('accounts.edit.password')}</label>
          <div className="inline">
            <input
              id={`${id}-password`}
              type="password"
              {...passwordForm.register('password', { onChange: generator.forget })}
              autoComplete="new-password"
              aria-invalid={passwordMessage !== undefined}
              aria-describedby={`${id}-password-hint${passwordMessage === undefined ? '' : ` ${id}-password-error`}`}
            />
            <button type="submit" className="button secondary" aria-disabled={mutation.isPending}>
              {t('accounts.edit.savePassword')}
            </button>
            <button type="button" className="button secondary" onClick={generator.generate}>
              {t('accounts.form.generate')}
            </button>
          </div>
          <p id={`${id}-password-hint`} className="hint">
            {t('accounts.form.passwordMin', { min: PASSWORD_MIN })}
          </p>
          {passwordMessage !== undefined && (
            <p id={`${id}-password-error`} className="field-error">
              {passwordMessage}
            </p>
          )}
        </div>
      </form>

      {generator.generated !== null && <GeneratedPassword password={generator.generated} />}

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

const COLUMNS = 7;

function Accounts({ own }: { own: string | undefined }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const announce = useAnnounce();
  const environmentsText = useEnvironmentsText();
  const query = useQuery(accountQueries.list());
  const [editing, setEditing] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const count = query.data?.accounts.length;

  const announced = useRef(false);

  useEffect(() => {
    // Once, when the list first arrives: saving a change announces the change itself.
    if (count === undefined || announced.current) return;
    announced.current = true;
    announce(t('accounts.shown', { count }));
  }, [count, announce, t]);

  if (query.isPending) return <p role="status">{t('app.loading')}</p>;
  if (query.isError) {
    return (
      <div>
        <ApiErrorMessage error={query.error} heading={t('accounts.failed')} />
        <button type="button" className="button" onClick={() => void query.refetch()}>
          {t('app.retry')}
        </button>
      </div>
    );
  }
  const { accounts } = query.data;
  if (accounts.length === 0) {
    return (
      <div className="result empty">
        <p>{t('accounts.empty')}</p>
      </div>
    );
  }

  const close = (name: string) => {
    setEditing(null);
    buttons.current.get(name)?.focus();
  };

  return (
    <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
      <table className="audit-table">
        <caption id={`${id}-caption`}>{t('accounts.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('accounts.columns.name')}</th>
            <th scope="col">{t('accounts.columns.role')}</th>
            <th scope="col">{t('accounts.columns.environments')}</th>
            <th scope="col">{t('accounts.columns.status')}</th>
            <th scope="col">{t('accounts.columns.created')}</th>
            <th scope="col">{t('accounts.columns.lastLogin')}</th>
            <th scope="col">{t('accounts.columns.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => {
            const open = editing === account.name;
            const panel = `${id}-panel-${account.name}`;
            return [
              <tr key={account.name}>
                <th scope="row">
                  {account.name}
                  {account.name === own && ` ${t('accounts.you')}`}
                </th>
                <td>{t(`roles.${account.role}`)}</td>
                <td>{environmentsText(account.environments)}</td>
                <td>{account.disabled ? t('accounts.disabled') : t('accounts.active')}</td>
                <td>
                  <time dateTime={account.created_at}>{formatDateTime(new Date(account.created_at), i18n.language)}</time>
                </td>
                <td>
                  {account.last_login_at === null ? (
                    t('accounts.never')
                  ) : (
                    <time dateTime={account.last_login_at}>{formatDateTime(new Date(account.last_login_at), i18n.language)}</time>
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    className="button secondary small"
                    ref={(element) => {
                      if (element === null) buttons.current.delete(account.name);
                      else buttons.current.set(account.name, element);
                    }}
                    aria-label={t('accounts.edit.open', { name: account.name })}
                    aria-expanded={open}
                    aria-controls={open ? panel : undefined}
                    onClick={() => (open ? close(account.name) : setEditing(account.name))}
                  >
                    {t('accounts.edit.openShort')}
                  </button>
                </td>
              </tr>,
              open && (
                <tr key={`${account.name}-edit`} id={panel}>
                  <td colSpan={COLUMNS}>
                    <AccountEditor account={account} own={account.name === own} onClose={() => close(account.name)} />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}

/** `/accounts`: who may use the console, as what and where; administrators only. */
export default function AccountsPage() {
  const { t } = useTranslation();
  const id = useId();
  const session = useQuery(sessionQueries.current());
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>{t('accounts.heading')}</h1>
      <p className="intro">{t('accounts.intro')}</p>
      {/* The list waits for the session: one's own row is marked, and guarded, from the start. */}
      {session.data === undefined ? <p role="status">{t('app.loading')}</p> : <Accounts own={session.data.account?.name} />}
      <NewAccount />
      <EmulatorKey />
    </section>
  );
}
