import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { AUDIT_ACTIONS, auditAnswerSchema, auditCpfHashAnswerSchema } from '../../../../contract/access-admin.ts';
import type { AuditAction, AuditCpfHashRequest } from '../../../../contract/access-admin.ts';
import { environmentNameSchema } from '../../../../contract/console.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfDigits, cpfProblem, maskCpf } from '../../../../contract/cpf.ts';
import { apiRequest } from '../../../api/client.ts';

/**
 * What the audit page filters by. All but the CPF are kept in its address
 * (`/audit?from=2026-11-01&action=register`), so that a filtered view can be shared; the CPF, in the
 * history entry's state (carried-cpf.ts), never in an address.
 */
export interface AuditFilters {
  /** Days on São Paulo's calendar (YYYY-MM-DD), both included. */
  from?: string;
  to?: string;
  user?: string;
  /** A whole CPF, masked. */
  cpf?: string;
  action?: AuditAction;
  /**
   * One environment's entries only. Not the header's `env`: that is where one registers and looks
   * up, and would hide the trail's logins and account changes (they have no environment).
   */
  environment?: EnvironmentName;
}

/** The filters an address keeps: all but the CPF. */
type AddressFilters = Omit<AuditFilters, 'cpf'>;

/**
 * The filters as the API takes them: the CPF replaced by its keyed hash (auditQueries.cpfHash), so
 * that neither the list's requests nor the CSV's link hold it.
 */
export type AuditSelection = AddressFilters & { cpfHash?: string };

/** Every environment an entry may have been in, in the contract's order (also ones this console no longer has). */
export const AUDIT_ENVIRONMENTS: readonly EnvironmentName[] = environmentNameSchema.options;
const isEnvironment = (value: string): value is EnvironmentName => (AUDIT_ENVIRONMENTS as readonly string[]).includes(value);

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isAction = (value: string): value is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(value);

/** A whole, valid CPF, masked; undefined for anything else (a partial CPF, none). */
export function wholeCpf(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || cpfProblem(value) !== null) return undefined;
  return maskCpf(cpfDigits(value) ?? '');
}

/** The filters of an address, but the CPF (never read from there); what does not make sense there (an unknown action) is left out. */
export function filtersFromSearch(params: URLSearchParams): AddressFilters {
  const filters: AddressFilters = {};
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const user = (params.get('user') ?? '').trim();
  const action = params.get('action') ?? '';
  const environment = params.get('environment') ?? '';
  if (DAY.test(from)) filters.from = from;
  if (DAY.test(to)) filters.to = to;
  if (user !== '') filters.user = user;
  if (isAction(action)) filters.action = action;
  if (isEnvironment(environment)) filters.environment = environment;
  return filters;
}

/**
 * The filters as the page's address keeps them: all but the CPF, and an older link's `cpf` taken
 * out; `env` and anything else of the address are the caller's.
 */
export function filtersToSearch(filters: AuditFilters, params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('cpf');
  for (const name of ['from', 'to', 'user', 'action', 'environment'] as const) {
    const value = filters[name];
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
  }
  return next;
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * The filters as the API takes them. The trail's times are UTC; a day here is a day in São Paulo
 * (UTC−3 all year since 2019), so the period is sent as instants: from the first day's midnight
 * to the midnight after the last day (the API's `to` excludes an instant).
 */
function apiQuery(selection: AuditSelection, before?: number | null): URLSearchParams {
  const query = new URLSearchParams();
  if (selection.from !== undefined) query.set('from', `${selection.from}T00:00:00-03:00`);
  if (selection.to !== undefined) query.set('to', `${nextDay(selection.to)}T00:00:00-03:00`);
  if (selection.user !== undefined) query.set('user', selection.user);
  if (selection.cpfHash !== undefined) query.set('cpf_hash', selection.cpfHash);
  if (selection.action !== undefined) query.set('action', selection.action);
  if (selection.environment !== undefined) query.set('environment', selection.environment);
  if (before !== undefined && before !== null) query.set('before', String(before));
  return query;
}

/**
 * The whole selection as a CSV file: the browser downloads it with its session cookie, no script
 * involved. `pt-br` (the server's default) opens in Excel in Portuguese; `en` is for scripts.
 */
export function auditCsvHref(selection: AuditSelection, format: 'pt-br' | 'en' = 'pt-br'): string {
  const query = apiQuery(selection);
  if (format === 'en') query.set('format', 'en');
  const search = query.toString();
  return `/api/admin/audit.csv${search === '' ? '' : `?${search}`}`;
}

export const auditQueries = {
  all: () => ['audit'] as const,
  /**
   * The key that selects a CPF's entries: the CPF goes in a POST's body, the key in the addresses.
   * The same CPF always gives the same key (the server's key changes only with AUDIT_CPF_KEY).
   */
  cpfHash: (cpf: string) =>
    queryOptions({
      queryKey: [...auditQueries.all(), 'cpf-hash', cpf] as const,
      queryFn: ({ signal }) => {
        const body: AuditCpfHashRequest = { cpf };
        return apiRequest('/admin/audit/cpf-hash', auditCpfHashAnswerSchema, { method: 'POST', body, signal });
      },
      staleTime: Infinity,
    }),
  /** Newest first, a page at a time; the next page is the entries before the last one shown. */
  list: (selection: AuditSelection) =>
    infiniteQueryOptions({
      queryKey: [...auditQueries.all(), 'list', selection] as const,
      queryFn: ({ pageParam, signal }) =>
        apiRequest(`/admin/audit?${apiQuery(selection, pageParam).toString()}`, auditAnswerSchema, { signal }),
      initialPageParam: null as number | null,
      getNextPageParam: (last) => last.next_before,
      // The trail grows while one reads it: opening the page again shows what is new.
      staleTime: 0,
    }),
};
