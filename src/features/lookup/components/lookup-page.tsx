import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { CPF_MESSAGES, cpfDigits, cpfProblem, maskCpf } from '../../../../contract/cpf.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import type { RegistrationAnswer } from '../../../../contract/registration.ts';
import { registrationQueries } from '../../../api/registrations.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Field } from '../../../components/ui/field.tsx';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { carryCpf, useCarriedCpf } from '../../../lib/carried-cpf.ts';
import { pathFor, useEnvironment, useUnavailableEnvironment } from '../../../lib/environment.tsx';
import { registrationOriginQueries } from '../api/registration-origin.ts';
import { isKey, readSearch } from './search.ts';
import { SimilarFaces } from './similar-faces.tsx';
import type { Lookup } from './search.ts';

function ResultByKey({ env, registrationKey }: { env: EnvironmentName; registrationKey: string }) {
  const query = useQuery(registrationQueries.byKey(env, registrationKey));
  return <Result env={env} lookup={{ by: 'key', key: registrationKey }} query={query} />;
}

function ResultByDocument({ env, cpf }: { env: EnvironmentName; cpf: string }) {
  const query = useQuery(registrationQueries.byDocument(env, cpf));
  return <Result env={env} lookup={{ by: 'document', cpf }} query={query} />;
}

/** When and by whom: from the audit trail when this console made the registration; else said to be made elsewhere. */
function Origin({ env, registrationKey }: { env: EnvironmentName; registrationKey: string }) {
  const { t, i18n } = useTranslation();
  const query = useQuery(registrationOriginQueries.byKey(env, registrationKey));
  if (query.isPending) return null;
  if (query.isError) {
    return (
      <p className="lookup-origin" data-testid="registration-origin">
        {t('lookup.origin.failed')}{' '}
        <button type="button" className="button secondary" onClick={() => void query.refetch()}>
          {t('app.retry')}
        </button>
      </p>
    );
  }
  return (
    <p className="lookup-origin" data-testid="registration-origin">
      {query.data === null
        ? t('lookup.origin.elsewhere')
        : t('lookup.origin.console', {
            date: formatDateTime(new Date(query.data.registered_at), i18n.language),
            name: query.data.registered_by,
          })}
    </p>
  );
}

function Result({ env, lookup, query }: { env: EnvironmentName; lookup: Lookup; query: UseQueryResult<RegistrationAnswer | null> }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const heading = useRef<HTMLHeadingElement>(null);

  const outcome = query.isPending ? 'pending' : query.isError ? 'error' : query.data === null ? 'none' : 'found';
  const summary =
    outcome === 'found'
      ? lookup.by === 'key'
        ? t('lookup.found')
        : t('lookup.foundByDocument', { cpf: lookup.cpf })
      : outcome === 'none'
        ? lookup.by === 'key'
          ? t('lookup.notFoundKey')
          : t('lookup.notFoundDocument', { cpf: lookup.cpf })
        : '';

  useEffect(() => {
    if (outcome === 'found' || outcome === 'none') {
      announce(summary);
      heading.current?.focus();
    }
  }, [outcome, summary, announce]);

  if (query.isPending) return <p role="status">{t('lookup.searching')}</p>;
  if (query.isError) {
    return (
      <div>
        <ApiErrorMessage error={query.error} />
        <button type="button" className="button" onClick={() => void query.refetch()}>
          {t('app.retry')}
        </button>
      </div>
    );
  }
  // Where it was looked: the same key or CPF means nothing in another environment.
  const where = (
    <p data-testid="lookup-environment">
      <span className="label">{t('lookup.environmentLabel')}:</span> <strong>{t(`environments.${env}.name`)}</strong>
    </p>
  );
  if (query.data === null) {
    return (
      <section className="result empty" aria-labelledby="lookup-result">
        <h2 id="lookup-result" ref={heading} tabIndex={-1}>
          {summary}
        </h2>
        {where}
        {lookup.by === 'document' && (
          <p>
            <Link href={pathFor('/', env)} state={carryCpf(lookup.cpf)}>
              {t('lookup.registerIt')}
            </Link>
          </p>
        )}
      </section>
    );
  }
  return (
    <section className="result success" aria-labelledby="lookup-result">
      <h2 id="lookup-result" ref={heading} tabIndex={-1}>
        <span aria-hidden="true">✓ </span>
        {summary}
      </h2>
      <p className="key-line">
        <span className="label">{t('lookup.keyLabel')}:</span> <code data-testid="registration-key">{query.data.registration_key}</code>{' '}
        <CopyButton value={query.data.registration_key} what={t('lookup.keyLabel')} />
      </p>
      {where}
      <Origin env={env} registrationKey={query.data.registration_key} />
      {query.data.duplicate_faces !== undefined && query.data.duplicate_faces.length > 0 && (
        <SimilarFaces faces={query.data.duplicate_faces} env={env} />
      )}
    </section>
  );
}

/** The one search box: a registration key or a CPF, told apart by what was typed; its result lives at its own address. */
function SearchForm({ env, initial, onSearch }: { env: EnvironmentName; initial: string; onSearch: (lookup: Lookup | null) => void }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const read = readSearch(value);
    if (read.ok) {
      setError(undefined);
      onSearch(read.lookup);
      if (read.lookup.by === 'key') navigate(pathFor(`/lookup/key/${read.lookup.key}`, env));
      else navigate(pathFor('/lookup/document', env), { state: carryCpf(read.lookup.cpf) });
      return;
    }
    setError(
      read.problem === 'required' || read.problem === 'neither'
        ? t(`lookup.field.${read.problem}`)
        : read.problem === 'key'
          ? t('lookup.byKey.invalid')
          : t(`cpf.errors.${read.problem}`),
    );
    onSearch(null);
    // The person typed here: the error, which describes the field, is read out with it.
    input.current?.focus();
  };
  return (
    <form onSubmit={submit} noValidate className="card lookup-search" role="search" aria-label={t('lookup.heading')}>
      <Field id={`${id}-search`} label={t('lookup.field.label')} hint={t('lookup.field.hint')} error={error}>
        {(control) => (
          <div className="inline">
            <input
              {...control}
              ref={input}
              type="text"
              value={value}
              onChange={(event) => setValue(event.target.value)}
              spellCheck={false}
              autoComplete="off"
              autoCapitalize="off"
              className="mono"
            />
            <button type="submit" className="button">
              {t('lookup.search')}
            </button>
          </div>
        )}
      </Field>
    </form>
  );
}

/**
 * Look-up by key or by CPF in one box. `/lookup/key/:key` opens a key's result; a CPF's result is
 * `/lookup/document` with the CPF in the history entry's state (carried-cpf.ts), never in the
 * address. An older link with the CPF in its path (`/lookup/document/:cpf`) still opens, and the
 * CPF leaves the address at once.
 */
export default function LookupPage() {
  const { t } = useTranslation();
  const env = useEnvironment().name;
  // A link to an environment this console or account lacks: nothing is looked up, anywhere (the
  // layout says so); the box keeps its key or CPF, to look up where the person then chooses.
  const unavailable = useUnavailableEnvironment() !== undefined;
  const queryClient = useQueryClient();
  // The result a refused search left behind is hidden: no earlier answer under the new error.
  const [hidden, setHidden] = useState<string | null>(null);
  const params = useParams<{ key?: string; cpf?: string }>();
  const [location, navigate] = useLocation();
  const carried = useCarriedCpf();
  const key = params.key === undefined ? undefined : decodeURIComponent(params.key);
  const inPath = params.cpf === undefined ? undefined : decodeURIComponent(params.cpf);
  const cpf = inPath ?? (location === '/lookup/document' ? carried : undefined);
  const search = useSearch();
  useEffect(() => {
    // Out of the address (this history entry's too: replaced), kept in its state; `?env=` as it was.
    if (inPath !== undefined) navigate(`/lookup/document${search === '' ? '' : `?${search}`}`, { replace: true, state: carryCpf(inPath) });
  }, [inPath, search, navigate]);

  let lookup: Lookup | null = null;
  let invalid: string | null = null;
  if (key !== undefined) {
    if (isKey(key)) lookup = { by: 'key', key };
    else invalid = t('lookup.byKey.invalid');
  } else if (cpf !== undefined) {
    const problem = cpfProblem(cpf);
    if (problem === null) lookup = { by: 'document', cpf: maskCpf(cpfDigits(cpf) ?? '') };
    else invalid = t(`cpf.errors.${problem}`, { defaultValue: CPF_MESSAGES[problem] });
  }
  const shown = lookup === null ? null : `${env} ${lookup.by === 'key' ? lookup.key : lookup.cpf}`;
  if (unavailable || shown === hidden) lookup = null;

  /** A new search starts afresh: the earlier answer (even of the same key or CPF) gives way to "searching". */
  const onSearch = (next: Lookup | null) => {
    setHidden(next === null ? shown : null);
    if (next !== null) {
      void queryClient.resetQueries({
        queryKey: (next.by === 'key' ? registrationQueries.byKey(env, next.key) : registrationQueries.byDocument(env, next.cpf)).queryKey,
        exact: true,
      });
    }
  };

  const initial = key ?? cpf ?? '';
  return (
    <section aria-labelledby="lookup-heading">
      <h1 id="lookup-heading">{t('lookup.heading')}</h1>
      <SearchForm key={`${key === undefined ? 'document' : 'key'}-${initial}`} env={env} initial={initial} onSearch={onSearch} />
      {invalid !== null && (
        <div className="alert error" role="alert">
          <p>{t('lookup.invalidLink', { reason: invalid })}</p>
        </div>
      )}
      {lookup?.by === 'key' && <ResultByKey key={`${env}-${lookup.key}`} env={env} registrationKey={lookup.key} />}
      {lookup?.by === 'document' && <ResultByDocument key={`${env}-${lookup.cpf}`} env={env} cpf={lookup.cpf} />}
    </section>
  );
}
