import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { SyntheticEvent } from 'react';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { useLocation, useSearch } from 'wouter';
import { AUDIT_ACTIONS } from '../../../../contract/access-admin.ts';
import type { AuditAction, AuditEntry } from '../../../../contract/access-admin.ts';
import { auditOutcomeText } from '../../../../contract/audit-labels.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfProblem } from '../../../../contract/cpf.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CpfInput } from '../../../components/ui/cpf-input.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { carryCpf, useCarriedCpf } from '../../../lib/carried-cpf.ts';
import { AUDIT_ENVIRONMENTS, auditCsvHref, auditQueries, filtersFromSearch, filtersToSearch, wholeCpf } from '../api/audit.ts';
import type { AuditFilters, AuditSelection } from '../api/audit.ts';

interface FilterFields {
  from: string;
  to: string;
  user: string;
  cpf: string;
  action: AuditAction | '';
  environment: EnvironmentName | '';
}

/** The filter form: edited freely, applied to the address and its history entry (and so to the list) on "Filtrar". */
function FiltersForm({ initial, onApply }: { initial: AuditFilters; onApply: (filters: AuditFilters) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [fields, setFields] = useState<FilterFields>({
    from: initial.from ?? '',
    to: initial.to ?? '',
    user: initial.user ?? '',
    cpf: initial.cpf ?? '',
    action: initial.action ?? '',
    environment: initial.environment ?? '',
  });
  const [errors, setErrors] = useState<{ cpf?: string; period?: string }>({});
  const cpfField = useRef<HTMLInputElement>(null);
  const toField = useRef<HTMLInputElement>(null);
  const set = (name: keyof FilterFields) => (value: string) => setFields((current) => ({ ...current, [name]: value }));

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = fields.cpf === '' ? null : cpfProblem(fields.cpf);
    const next = {
      ...(problem === null ? {} : { cpf: t(`cpf.errors.${problem}`) }),
      ...(fields.from !== '' && fields.to !== '' && fields.to < fields.from ? { period: t('audit.filters.badPeriod') } : {}),
    };
    setErrors(next);
    if (next.cpf !== undefined) cpfField.current?.focus();
    else if (next.period !== undefined) toField.current?.focus();
    else {
      onApply({
        ...(fields.from === '' ? {} : { from: fields.from }),
        ...(fields.to === '' ? {} : { to: fields.to }),
        ...(fields.user.trim() === '' ? {} : { user: fields.user.trim() }),
        ...(fields.cpf === '' ? {} : { cpf: fields.cpf }),
        ...(fields.action === '' ? {} : { action: fields.action }),
        ...(fields.environment === '' ? {} : { environment: fields.environment }),
      });
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <fieldset className="filters">
        <legend>{t('audit.filters.legend')}</legend>
        <div className="filter-grid">
          <Field id={`${id}-from`} label={t('audit.filters.from')}>
            {(control) => <input {...control} type="date" value={fields.from} onChange={(event) => set('from')(event.target.value)} />}
          </Field>
          {/* The period's error goes with its end: the field that has to change, and that takes focus. */}
          <Field id={`${id}-to`} label={t('audit.filters.to')} error={errors.period}>
            {(control) => (
              <input {...control} ref={toField} type="date" value={fields.to} onChange={(event) => set('to')(event.target.value)} />
            )}
          </Field>
          <Field id={`${id}-user`} label={t('audit.filters.user')}>
            {(control) => (
              <input
                {...control}
                value={fields.user}
                onChange={(event) => set('user')(event.target.value)}
                autoCapitalize="none"
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field id={`${id}-cpf`} label={t('audit.filters.cpf')} hint={t('audit.filters.cpfHint')} error={errors.cpf}>
            {(control) => <CpfInput {...control} ref={cpfField} value={fields.cpf} onChange={set('cpf')} />}
          </Field>
          <Field id={`${id}-action`} label={t('audit.filters.action')}>
            {(control) => (
              <select {...control} value={fields.action} onChange={(event) => set('action')(event.target.value)}>
                <option value="">{t('audit.filters.anyAction')}</option>
                {AUDIT_ACTIONS.map((action) => (
                  <option key={action} value={action}>
                    {t(`audit.actions.${action}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id={`${id}-environment`} label={t('audit.filters.environment')} hint={t('audit.filters.environmentHint')}>
            {(control) => (
              <select {...control} value={fields.environment} onChange={(event) => set('environment')(event.target.value)}>
                <option value="">{t('audit.filters.anyEnvironment')}</option>
                {AUDIT_ENVIRONMENTS.map((environment) => (
                  <option key={environment} value={environment}>
                    {t(`environments.${environment}.name`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="actions">
          <button type="submit" className="button">
            {t('audit.filters.apply')}
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setFields({ from: '', to: '', user: '', cpf: '', action: '', environment: '' });
              setErrors({});
              onApply({});
            }}
          >
            {t('audit.filters.clear')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

/**
 * The outcome in the reader's language, its code beside it in small type (what the CSV's code
 * column and the server's logs say); a text that is no known code (`name:role` of an account
 * change, a title QI Tech made up) as it is.
 */
function Outcome({ outcome }: { outcome: string }) {
  const { i18n } = useTranslation();
  const text = auditOutcomeText(outcome, i18n.language === 'en' ? 'en' : 'pt-BR');
  if (text === null) return <code>{outcome}</code>;
  if (outcome === 'ok') return text;
  return (
    <>
      {text}{' '}
      <small>
        <code>{outcome}</code>
      </small>
    </>
  );
}

function Row({ entry }: { entry: AuditEntry }) {
  const { t, i18n } = useTranslation();
  const none = '—';
  return (
    <tr>
      <td>
        <time dateTime={entry.at}>{formatDateTime(new Date(entry.at), i18n.language)}</time>
      </td>
      <td>{entry.actor ?? none}</td>
      <td>{t(`audit.actions.${entry.action}`)}</td>
      <td>{entry.environment === null ? none : t(`environments.${entry.environment}.name`)}</td>
      <td className="nowrap">{entry.cpf_masked ?? none}</td>
      <td>{entry.registration_key === null ? none : <code>{entry.registration_key}</code>}</td>
      <td>
        <Outcome outcome={entry.outcome} />
        {entry.face_check_override !== null && (
          <span className="override"> · {t('audit.override', { status: entry.face_check_override })}</span>
        )}
      </td>
      <td>{entry.status}</td>
      <td className="nowrap">{entry.consent_term ?? none}</td>
    </tr>
  );
}

/** A first load that failed: why, and a way to try again. */
function Failed({ error, onRetry }: { error: Error | null; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <div>
      <ApiErrorMessage error={error} heading={t('audit.failed')} />
      <button type="button" className="button" onClick={onRetry}>
        {t('app.retry')}
      </button>
    </div>
  );
}

function Entries({ selection }: { selection: AuditSelection }) {
  const { t } = useTranslation();
  const id = useId();
  const announce = useAnnounce();
  const query = useInfiniteQuery(auditQueries.list(selection));
  const entries = query.data?.pages.flatMap((page) => page.entries) ?? [];
  const pages = query.data?.pages.length ?? 0;
  const count = entries.length;
  const end = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (pages === 0) return;
    announce(count === 0 ? t('audit.empty') : pages === 1 ? t('audit.shown', { count }) : t('audit.loadedMore', { count }));
  }, [pages, count, announce, t]);

  useEffect(() => {
    // The "older" button that had focus is gone with the last page: the sentence saying so takes it.
    if (!query.hasNextPage && pages > 1 && document.activeElement === document.body) end.current?.focus();
  }, [query.hasNextPage, pages]);

  if (query.isPending) return <p role="status">{t('app.loading')}</p>;
  // A failed "older entries" keeps what was shown (isFetchNextPageError); only a first load without data stops here.
  if (query.data === undefined) return <Failed error={query.error} onRetry={() => void query.refetch()} />;
  if (count === 0) {
    return (
      <div className="result empty">
        <p>{t('audit.empty')}</p>
      </div>
    );
  }
  return (
    <>
      <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
        <table className="audit-table">
          <caption id={`${id}-caption`}>{t('audit.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('audit.columns.at')}</th>
              <th scope="col">{t('audit.columns.user')}</th>
              <th scope="col">{t('audit.columns.action')}</th>
              <th scope="col">{t('audit.columns.environment')}</th>
              <th scope="col">{t('audit.columns.cpf')}</th>
              <th scope="col">{t('audit.columns.key')}</th>
              <th scope="col">{t('audit.columns.outcome')}</th>
              <th scope="col">{t('audit.columns.status')}</th>
              <th scope="col">{t('audit.columns.consent')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <Row key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">{t('audit.shown', { count })}</p>
      {query.isFetchNextPageError && <ApiErrorMessage error={query.error} heading={t('audit.failed')} />}
      {query.hasNextPage ? (
        <div className="actions">
          <button type="button" className="button secondary" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? t('audit.loadingMore') : t('audit.more')}
          </button>
        </div>
      ) : (
        pages > 1 && (
          <p ref={end} tabIndex={-1}>
            {t('audit.end')}
          </p>
        )
      )}
    </>
  );
}

/** The CSV links of a selection, and its entries. */
function Selection({ selection }: { selection: AuditSelection }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <>
      <p className="export">
        <a className="button secondary" href={auditCsvHref(selection)} download aria-describedby={`${id}-export-hint`}>
          {t('audit.export')}
        </a>{' '}
        <a className="button secondary" href={auditCsvHref(selection, 'en')} download aria-describedby={`${id}-export-hint`}>
          {t('audit.exportEnglish')}
        </a>{' '}
        <span id={`${id}-export-hint`} className="hint">
          {t('audit.exportHint')}
        </span>
      </p>
      <Entries selection={selection} />
    </>
  );
}

/** A CPF's selection: first the key that selects its entries (the CPF sent in a body), then the selection by that key. */
function CpfSelection({ selection, cpf }: { selection: AuditSelection; cpf: string }) {
  const { t } = useTranslation();
  const hash = useQuery(auditQueries.cpfHash(cpf));
  if (hash.isPending) return <p role="status">{t('app.loading')}</p>;
  if (hash.isError) return <Failed error={hash.error} onRetry={() => void hash.refetch()} />;
  return <Selection selection={{ ...selection, cpfHash: hash.data.cpf_hash }} />;
}

/**
 * `/audit`: the trail, filtered by the address's query so a filtered view can be shared, and by a
 * CPF carried in the history entry's state (carried-cpf.ts): kept through a reload, Back and
 * Forward, never in the address, the browser's history, a bookmark or a shared link. An older
 * link's `?cpf=` still filters, and the CPF leaves the address at once.
 */
export default function AuditPage() {
  const { t } = useTranslation();
  const id = useId();
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const inAddress = params.get('cpf') ?? undefined;
  const carried = useCarriedCpf();
  const cpf = wholeCpf(inAddress ?? carried);
  const others = filtersFromSearch(params);
  const filters: AuditFilters = { ...others, ...(cpf === undefined ? {} : { cpf }) };
  const filtersKey = JSON.stringify(filters);

  useEffect(() => {
    // Out of the address (this history entry's too: replaced), kept in its state; the rest as it was.
    if (inAddress === undefined) return;
    const rest = new URLSearchParams(search);
    rest.delete('cpf');
    const query = rest.toString();
    navigate(`${location}${query === '' ? '' : `?${query}`}`, { replace: true, state: cpf === undefined ? null : carryCpf(cpf) });
  }, [inAddress, cpf, search, location, navigate]);

  const apply = (next: AuditFilters) => {
    const query = filtersToSearch(next, new URLSearchParams(search)).toString();
    const nextCpf = wholeCpf(next.cpf);
    navigate(`${location}${query === '' ? '' : `?${query}`}`, { state: nextCpf === undefined ? null : carryCpf(nextCpf) });
  };

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>{t('audit.heading')}</h1>
      <p className="intro">{t('audit.intro')}</p>
      {/* A new address or history entry (back, a shared link) shows its own filters in the form. */}
      <FiltersForm key={`filters-${filtersKey}`} initial={filters} onApply={apply} />
      {cpf === undefined ? (
        <Selection key={`selection-${filtersKey}`} selection={others} />
      ) : (
        <CpfSelection key={`selection-${filtersKey}`} selection={others} cpf={cpf} />
      )}
    </section>
  );
}
