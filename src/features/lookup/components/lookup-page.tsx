import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode, SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'wouter';
import { CPF_MESSAGES, cpfDigits, cpfProblem, maskCpf } from '../../../../contract/cpf.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { keySchema } from '../../../../contract/registration.ts';
import type { RegistrationAnswer } from '../../../../contract/registration.ts';
import { registrationQueries } from '../../../api/registrations.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { CpfInput } from '../../../components/ui/cpf-input.tsx';
import { pathFor, useEnvironment, useUnavailableEnvironment } from '../../../lib/environment.tsx';

// The contract's own check of a registration key (the server applies the same).
const registrationKeySchema = keySchema('registration_key');
const isKey = (value: string) => registrationKeySchema.safeParse(value).success;

type Lookup = { by: 'key'; key: string } | { by: 'document'; cpf: string };

function ResultByKey({ env, registrationKey }: { env: EnvironmentName; registrationKey: string }) {
  const query = useQuery(registrationQueries.byKey(env, registrationKey));
  return <Result env={env} lookup={{ by: 'key', key: registrationKey }} query={query} />;
}

function ResultByDocument({ env, cpf }: { env: EnvironmentName; cpf: string }) {
  const query = useQuery(registrationQueries.byDocument(env, cpf));
  return <Result env={env} lookup={{ by: 'document', cpf }} query={query} />;
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
            <Link href={`${pathFor('/', env)}&cpf=${encodeURIComponent(lookup.cpf)}`}>{t('lookup.registerIt')}</Link>
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
    </section>
  );
}

interface FieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/** One look-up form: a field, its check, and the address its result lives at. */
function LookupForm({
  heading,
  label,
  initial,
  problem,
  pathOf,
  onSearch,
  field,
}: {
  heading: string;
  label: string;
  initial: string;
  problem: (value: string) => string | null;
  pathOf: (value: string) => string;
  /** Each submit: the value to look up, or null when the field's check refused it. */
  onSearch: (value: string | null) => void;
  field: (props: FieldProps) => ReactNode;
}) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = problem(value.trim());
    setError(found);
    onSearch(found === null ? value.trim() : null);
    if (found === null) navigate(pathOf(value.trim()));
  };
  return (
    <form onSubmit={submit} noValidate className="card">
      <h2>{heading}</h2>
      <label htmlFor={`${id}-field`}>{label}</label>
      <div className="inline">
        {field({
          id: `${id}-field`,
          value,
          onChange: setValue,
          'aria-invalid': error !== null,
          'aria-describedby': error === null ? undefined : `${id}-error`,
        })}
        <button type="submit" className="button">
          {t('lookup.search')}
        </button>
      </div>
      {error !== null && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </form>
  );
}

function KeyForm({ env, initial, onSearch }: { env: EnvironmentName; initial: string; onSearch: (lookup: Lookup | null) => void }) {
  const { t } = useTranslation();
  return (
    <LookupForm
      heading={t('lookup.byKey.heading')}
      label={t('lookup.byKey.label')}
      initial={initial}
      problem={(key) => (isKey(key) ? null : t('lookup.byKey.invalid'))}
      pathOf={(key) => pathFor(`/lookup/key/${key.toLowerCase()}`, env)}
      onSearch={(key) => onSearch(key === null ? null : { by: 'key', key: key.toLowerCase() })}
      field={({ onChange, ...props }) => (
        <input {...props} onChange={(event) => onChange(event.target.value)} spellCheck={false} autoComplete="off" className="mono" />
      )}
    />
  );
}

function DocumentForm({ env, initial, onSearch }: { env: EnvironmentName; initial: string; onSearch: (lookup: Lookup | null) => void }) {
  const { t } = useTranslation();
  return (
    <LookupForm
      heading={t('lookup.byDocument.heading')}
      label={t('cpf.label')}
      initial={initial}
      problem={(cpf) => {
        const found = cpf === '' ? 'required' : cpfProblem(cpf);
        return found === null ? null : t(`cpf.errors.${found}`);
      }}
      pathOf={(cpf) => pathFor(`/lookup/document/${maskCpf(cpfDigits(cpf) ?? '')}`, env)}
      onSearch={(cpf) => onSearch(cpf === null ? null : { by: 'document', cpf: maskCpf(cpfDigits(cpf) ?? '') })}
      field={(props) => <CpfInput {...props} />}
    />
  );
}

/** Look-ups by key and by CPF; `/lookup/key/:key` and `/lookup/document/:cpf` open their result. */
export default function LookupPage() {
  const { t } = useTranslation();
  const env = useEnvironment().name;
  // A link to an environment this console or account lacks: nothing is looked up, anywhere (the
  // layout says so); the fields keep its key or CPF, to look up where the person then chooses.
  const unavailable = useUnavailableEnvironment() !== undefined;
  const queryClient = useQueryClient();
  // The result a refused search left behind is hidden: no earlier answer under the new error.
  const [hidden, setHidden] = useState<string | null>(null);
  const params = useParams<{ key?: string; cpf?: string }>();
  const key = params.key === undefined ? undefined : decodeURIComponent(params.key);
  const cpf = params.cpf === undefined ? undefined : decodeURIComponent(params.cpf);

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

  return (
    <section aria-labelledby="lookup-heading">
      <h1 id="lookup-heading">{t('lookup.heading')}</h1>
      <div className="grid-2">
        <KeyForm key={`key-${key ?? ''}`} env={env} initial={key ?? ''} onSearch={onSearch} />
        <DocumentForm key={`doc-${cpf ?? ''}`} env={env} initial={cpf ?? ''} onSearch={onSearch} />
      </div>
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
