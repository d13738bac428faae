import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { ApiError } from '../../../api/client.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { emulatorQueries } from '../api/emulator.ts';

/**
 * The built-in emulator's address and key, for admins to hand to QA who call it directly. The key
 * is fetched only on "Mostrar chave" (each reading is audited) and dropped on "Ocultar chave".
 */
export function EmulatorKey() {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const [shown, setShown] = useState(false);
  const query = useQuery({ ...emulatorQueries.access(), enabled: shown });
  const off = query.error instanceof ApiError && query.error.title === 'emulator_off';

  const hide = () => {
    setShown(false);
    queryClient.removeQueries({ queryKey: emulatorQueries.all() });
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="narrow">
      <h2 id={`${id}-heading`}>{t('accounts.emulator.heading')}</h2>
      <p className="hint">{t('accounts.emulator.intro')}</p>
      {!shown && (
        <div className="actions">
          <button type="button" className="button secondary" onClick={() => setShown(true)}>
            {t('accounts.emulator.show')}
          </button>
        </div>
      )}
      {shown && query.isPending && <p role="status">{t('accounts.emulator.loading')}</p>}
      {shown && off && <p>{t('accounts.emulator.off')}</p>}
      {shown && query.isError && !off && <ApiErrorMessage error={query.error} heading={t('accounts.emulator.failed')} />}
      {shown && query.isSuccess && (
        <dl>
          <dt>{t('accounts.emulator.address')}</dt>
          <dd>
            <code data-testid="emulator-address">{`${window.location.origin}${query.data.base_url}`}</code>
          </dd>
          <dt>{t('accounts.emulator.key')}</dt>
          <dd className="inline">
            <code data-testid="emulator-key">{query.data.api_key}</code>{' '}
            <CopyButton value={query.data.api_key} what={t('accounts.emulator.copyWhat')} />
          </dd>
        </dl>
      )}
      {shown && (
        <div className="actions">
          <button type="button" className="button secondary" onClick={hide}>
            {t('accounts.emulator.hide')}
          </button>
        </div>
      )}
      <p className="hint">{t('accounts.emulator.audited')}</p>
    </section>
  );
}
