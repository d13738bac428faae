// The Contas page's sign-in setting, with single sign-on: who may still log in with a password.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { changeSignIn, signInQueries } from '../api/accounts.ts';

type LocalLogin = 'everyone' | 'break_glass';

/**
 * Everyone may log in with a password, or break-glass accounts only (the others through the
 * identity provider). Kept in the console's database and audited; the server refuses the second
 * while no enabled administrator is marked break-glass.
 */
export function SignInSetting({ setting, sso }: { setting: LocalLogin; sso: { provider: string; issuer: string; role_map: string } }) {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const [chosen, setChosen] = useState<LocalLogin>(setting);
  const [done, setDone] = useState<string | null>(null);
  const mutation = useMutation(changeSignIn());
  const label = (value: LocalLogin) =>
    value === 'everyone' ? t('accounts.signIn.everyone') : t('accounts.signIn.breakGlass', { provider: sso.provider });

  const save = () => {
    if (mutation.isPending) return;
    setDone(null);
    mutation.mutate(chosen, {
      onSuccess: (answer) => {
        queryClient.setQueryData(signInQueries.current().queryKey, answer);
        const message = t('accounts.signIn.saved', { choice: label(answer.local_login) });
        setDone(message);
        announce(message);
      },
    });
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="stack">
      <h2 id={`${id}-heading`}>{t('accounts.signIn.heading')}</h2>
      <p className="hint">{t('accounts.signIn.intro', { provider: sso.provider, issuer: sso.issuer, map: sso.role_map })}</p>
      <fieldset className="subtle">
        <legend>{t('accounts.signIn.legend')}</legend>
        {(['everyone', 'break_glass'] as const).map((value) => (
          <label key={value} className="checkbox">
            <input type="radio" name={`${id}-local-login`} value={value} checked={chosen === value} onChange={() => setChosen(value)} />
            {label(value)}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="button" className="button secondary" aria-disabled={mutation.isPending} onClick={save}>
          {t('accounts.signIn.save')}
        </button>
      </div>
      {mutation.isError && <ApiErrorMessage error={mutation.error} heading={t('accounts.signIn.failed')} />}
      {done !== null && <p className="success-text">{done}</p>}
    </section>
  );
}
