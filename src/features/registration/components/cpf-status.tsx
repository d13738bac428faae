import { useQuery } from '@tanstack/react-query';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { Link } from 'wouter';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { registrationQueries } from '../../../api/registrations.ts';
import { pathFor } from '../../../lib/environment.tsx';

/**
 * Whether the CPF typed is already registered in this environment, looked up as soon as it is
 * complete and valid, before any photo is taken. Read out politely (a live region) and linked
 * from the CPF field's description. `cpf` is undefined while it is incomplete or invalid.
 */
export function CpfStatus({ id, env, cpf }: { id: string; env: EnvironmentName; cpf: string | undefined }) {
  const { t } = useTranslation();
  const query = useQuery({ ...registrationQueries.byDocument(env, cpf ?? ''), enabled: cpf !== undefined });
  return (
    <p id={id} className="cpf-status" role="status" data-testid="cpf-status">
      {cpf === undefined ? null : query.isPending ? (
        <span className="hint">{t('register.cpfStatus.checking')}</span>
      ) : query.isError ? (
        <span className="hint">{t('register.cpfStatus.failed')}</span>
      ) : query.data === null ? (
        <span className="hint">{t('register.cpfStatus.none')}</span>
      ) : (
        <span className="already">
          {t('register.cpfStatus.registered')} (
          <Link href={pathFor(`/lookup/key/${query.data.registration_key}`, env)}>
            {t('register.cpfStatus.key')} <code>{query.data.registration_key}</code>
          </Link>
          )
        </span>
      )}
    </p>
  );
}
