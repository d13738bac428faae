import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { sessionQueries } from '../../../api/session.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { accountQueries, signInQueries } from '../api/accounts.ts';
import type { AccountRow } from '../api/accounts.ts';
import { EmulatorKey } from './emulator-key.tsx';
import { useEnvironmentsText } from './account-form-parts.tsx';
import { AccountEditor } from './account-editor.tsx';
import { NewAccount } from './new-account.tsx';
import { SignInSetting } from './sign-in-setting.tsx';

const COLUMNS = 8;

/** Where an account comes from: the identity provider, or the console (and then whether it is break-glass). */
function sourceKey(account: AccountRow) {
  if (account.source === 'oidc') return 'accounts.source.oidc' as const;
  return account.break_glass === true ? ('accounts.source.breakGlass' as const) : ('accounts.source.local' as const);
}

function Accounts({ own, provider }: { own: string | undefined; provider: string }) {
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
            <th scope="col">{t('accounts.columns.source')}</th>
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
                <td>{t(sourceKey(account))}</td>
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
                    <AccountEditor account={account} own={account.name === own} provider={provider} onClose={() => close(account.name)} />
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
  const signIn = useQuery(signInQueries.current());
  const provider = signIn.data?.sso?.provider ?? session.data?.sso?.provider ?? t('loginPage.theProvider');
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>{t('accounts.heading')}</h1>
      <p className="intro">{t('accounts.intro')}</p>
      {/* The list waits for the session: one's own row is marked, and guarded, from the start. */}
      {session.data === undefined ? (
        <p role="status">{t('app.loading')}</p>
      ) : (
        <Accounts own={session.data.account?.name} provider={provider} />
      )}
      {signIn.data?.sso != null && <SignInSetting setting={signIn.data.local_login} sso={signIn.data.sso} />}
      <NewAccount />
      <EmulatorKey />
    </section>
  );
}
