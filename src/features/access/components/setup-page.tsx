import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { PASSWORD_MIN } from '../../../../contract/access.ts';
import type { Sso } from '../../../../contract/access.ts';
import { ApiError } from '../../../api/client.ts';
import { sessionQueries, setUp } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { setupFormSchema } from '../api/access-forms.ts';
import { ssoLoginHref } from './login-page.tsx';
import type { SetupForm, SetupFormInput } from '../api/access-forms.ts';

/** The one-time token of the link the server prints (`/setup#token=…`): in the fragment, so no server log ever holds it. */
function tokenFromAddress(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  return token === null || token === '' ? null : token;
}

/** `/setup`: the console has no account yet; the person holding the server's link creates the first admin. */
/** With single sign-on, an administrator of the provider may log in through it instead: their account is the first. */
export default function SetupPage({ sso }: { sso: Sso | null }) {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const [token, setToken] = useState(tokenFromAddress);
  const mutation = useMutation(setUp());
  const form = useForm<SetupFormInput, unknown, SetupForm>({
    resolver: zodResolver(setupFormSchema),
    defaultValues: { name: '', password: '', confirm: '' },
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const { errors } = form.formState;
  const [name, password] = useWatch({ control: form.control, name: ['name', 'password'] });

  useEffect(() => {
    // Read, then out of the address: not in the history, not in a bookmark, not on the screen. The
    // link may also be pasted into a tab already on /setup (redirected there): only the fragment
    // changes then, with no page load, so it is read again on every change.
    const take = () => {
      const found = tokenFromAddress();
      if (found !== null) setToken(found);
      if (window.location.hash !== '')
        window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    };
    take();
    window.addEventListener('hashchange', take);
    window.addEventListener('popstate', take);
    return () => {
      window.removeEventListener('hashchange', take);
      window.removeEventListener('popstate', take);
    };
  }, []);

  const onValid = (values: SetupForm) => {
    if (token === null) return;
    mutation.mutate(
      { token, name: values.name, password: values.password },
      {
        onSuccess: ({ account }) => {
          queryClient.setQueryData(sessionQueries.current().queryKey, { account, setup_required: false, sso });
          announce(t('loginPage.welcome', { name: account.name }));
        },
      },
    );
  };

  const nameMessage = errors.name === undefined ? undefined : name.trim() === '' ? t('setup.nameRequired') : t('setup.nameInvalid');
  const passwordMessage =
    errors.password === undefined
      ? undefined
      : password.length < PASSWORD_MIN
        ? t('setup.passwordShort', { min: PASSWORD_MIN })
        : t('setup.passwordLong');
  const confirmMessage = errors.confirm === undefined ? undefined : t('setup.mismatch');
  const unavailable = mutation.error instanceof ApiError && mutation.error.title === 'setup_not_available';

  return (
    <section aria-labelledby={`${id}-heading`} className="narrow">
      <h1 id={`${id}-heading`}>{t('setup.heading')}</h1>
      <p className="intro">{t('setup.intro')}</p>
      {sso !== null && (
        <p>
          {t('setup.sso', { provider: sso.provider })} <a href={ssoLoginHref('/')}>{t('loginPage.sso', { provider: sso.provider })}</a>
        </p>
      )}
      {token === null ? (
        <div className="alert warning" role="alert">
          <p>{t('setup.noToken')}</p>
        </div>
      ) : (
        <form className="stack" noValidate onSubmit={(event) => void form.handleSubmit(onValid)(event)}>
          <Field id={`${id}-name`} label={t('setup.name')} hint={t('setup.nameHint')} error={nameMessage}>
            {(control) => (
              <input {...control} {...form.register('name')} autoComplete="username" autoCapitalize="none" spellCheck={false} />
            )}
          </Field>
          <Field
            id={`${id}-password`}
            label={t('setup.password')}
            hint={t('setup.passwordHint', { min: PASSWORD_MIN })}
            error={passwordMessage}
          >
            {(control) => <input {...control} type="password" {...form.register('password')} autoComplete="new-password" />}
          </Field>
          <Field id={`${id}-confirm`} label={t('setup.confirm')} error={confirmMessage}>
            {(control) => <input {...control} type="password" {...form.register('confirm')} autoComplete="new-password" />}
          </Field>
          {mutation.isError && <ApiErrorMessage error={mutation.error} heading={t('setup.failed')} />}
          <div className="actions">
            <button type="submit" className="button primary" disabled={mutation.isPending}>
              {mutation.isPending ? t('setup.submitting') : t('setup.submit')}
            </button>
            {unavailable && (
              <button
                type="button"
                className="button secondary"
                onClick={() => void queryClient.invalidateQueries(sessionQueries.current())}
              >
                {t('setup.toLogin')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
