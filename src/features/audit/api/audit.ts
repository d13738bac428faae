import { infiniteQueryOptions } from '@tanstack/react-query';
import { AUDIT_ACTIONS, auditAnswerSchema } from '../../../../contract/access-admin.ts';
import type { AuditAction } from '../../../../contract/access-admin.ts';
import { environmentNameSchema } from '../../../../contract/console.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfDigits, cpfProblem, maskCpf } from '../../../../contract/cpf.ts';
import { apiRequest } from '../../../api/client.ts';

/** What the audit page filters by, as its address keeps it (`/audit?from=2026-11-01&action=register`). */
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

/** Every environment an entry may have been in, in the contract's order (also ones this console no longer has). */
export const AUDIT_ENVIRONMENTS: readonly EnvironmentName[] = environmentNameSchema.options;
const isEnvironment = (value: string): value is EnvironmentName => (AUDIT_ENVIRONMENTS as readonly string[]).includes(value);

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isAction = (value: string): value is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(value);

/** The filters of an address; what does not make sense there (a partial CPF, an unknown action) is left out. */
export function filtersFromSearch(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const user = (params.get('user') ?? '').trim();
  const cpf = params.get('cpf') ?? '';
  const action = params.get('action') ?? '';
  const environment = params.get('environment') ?? '';
  if (DAY.test(from)) filters.from = from;
  if (DAY.test(to)) filters.to = to;
  if (user !== '') filters.user = user;
  if (cpf !== '' && cpfProblem(cpf) === null) filters.cpf = maskCpf(cpfDigits(cpf) ?? '');
  if (isAction(action)) filters.action = action;
  if (isEnvironment(environment)) filters.environment = environment;
  return filters;
}

/** The filters as the page's address keeps them; `env` and anything else of the address are the caller's. */
export function filtersToSearch(filters: AuditFilters, params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of ['from', 'to', 'user', 'cpf', 'action', 'environment'] as const) {
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
function apiQuery(filters: AuditFilters, before?: number | null): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from !== undefined) query.set('from', `${filters.from}T00:00:00-03:00`);
  if (filters.to !== undefined) query.set('to', `${nextDay(filters.to)}T00:00:00-03:00`);
  if (filters.user !== undefined) query.set('user', filters.user);
  if (filters.cpf !== undefined) query.set('cpf', filters.cpf);
  if (filters.action !== undefined) query.set('action', filters.action);
  if (filters.environment !== undefined) query.set('environment', filters.environment);
  if (before !== undefined && before !== null) query.set('before', String(before));
  return query;
}

/**
 * The whole selection as a CSV file: the browser downloads it with its session cookie, no script
 * involved. `pt-br` (the server's default) opens in Excel in Portuguese; `en` is for scripts.
 */
export function auditCsvHref(filters: AuditFilters, format: 'pt-br' | 'en' = 'pt-br'): string {
  const query = apiQuery(filters);
  if (format === 'en') query.set('format', 'en');
  const search = query.toString();
  return `/api/admin/audit.csv${search === '' ? '' : `?${search}`}`;
}

export const auditQueries = {
  all: () => ['audit'] as const,
  /** Newest first, a page at a time; the next page is the entries before the last one shown. */
  list: (filters: AuditFilters) =>
    infiniteQueryOptions({
      queryKey: [...auditQueries.all(), filters] as const,
      queryFn: ({ pageParam, signal }) =>
        apiRequest(`/admin/audit?${apiQuery(filters, pageParam).toString()}`, auditAnswerSchema, { signal }),
      initialPageParam: null as number | null,
      getNextPageParam: (last) => last.next_before,
      // The trail grows while one reads it: opening the page again shows what is new.
      staleTime: 0,
    }),
};
