import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { useSearchParams } from 'wouter';
import type { EnvironmentName, EnvironmentsAnswer } from '../../contract/console.ts';
import { environmentQueries } from '../api/environments.ts';
import { chooseEnvironment, sessionQueries } from '../api/session.ts';

export type EnvironmentInfo = EnvironmentsAnswer['environments'][number];

export interface EnvironmentState {
  current: EnvironmentInfo;
  all: EnvironmentInfo[];
  /** The `?env=` of the link, when it names an environment this console does not have. */
  unknownRequested: string | undefined;
}

export const EnvironmentContext = createContext<EnvironmentState | null>(null);

/**
 * The active environment: the one in the address (`?env=`), so a shared link opens in it. When the
 * address names none (a login, a bookmark of `/`), the one the account last chose, else the default
 * an admin set it, else the first it may use (the safest: they are listed safest first).
 */
export function useEnvironmentState() {
  const query = useQuery(environmentQueries.list());
  const account = useQuery(sessionQueries.current()).data?.account;
  const [params] = useSearchParams();
  const requested = params.get('env') ?? undefined;
  const all = query.data?.environments ?? [];
  const match = all.find((e) => e.name === requested);
  const remembered =
    all.find((e) => e.name === account?.last_environment) ?? all.find((e) => e.name === account?.default_environment) ?? all[0];
  const state: EnvironmentState | null =
    remembered === undefined
      ? null
      : {
          current: match ?? remembered,
          all,
          unknownRequested: requested !== undefined && match === undefined ? requested : undefined,
        };
  return { query, state };
}

/**
 * The selector's choice: into the address (so links and a reload keep it) and remembered with the
 * account, so the next login or a plain `/` opens in it — a production desk chooses production once.
 */
export function useChooseEnvironment(): (environment: EnvironmentName) => void {
  const queryClient = useQueryClient();
  const [, setParams] = useSearchParams();
  const remember = useMutation({
    ...chooseEnvironment(),
    onSuccess: (_answer, environment) => {
      queryClient.setQueryData(sessionQueries.current().queryKey, (session) =>
        session?.account == null ? session : { ...session, account: { ...session.account, last_environment: environment } },
      );
    },
  });
  return (environment) => {
    setParams((params) => {
      params.set('env', environment);
      return params;
    });
    remember.mutate(environment);
  };
}

/** The `?env=` of the link when this console, or this account, does not have it; else undefined. */
export function useUnavailableEnvironment(): string | undefined {
  const state = useContext(EnvironmentContext);
  if (state === null) throw new Error('useUnavailableEnvironment outside EnvironmentContext');
  return state.unknownRequested;
}

export function useEnvironment(): EnvironmentInfo {
  const state = useContext(EnvironmentContext);
  if (state === null) throw new Error('useEnvironment outside EnvironmentContext');
  return state.current;
}

/** A console path that keeps the active environment in the address. */
export function pathFor(path: string, env: EnvironmentName): string {
  return `${path}?env=${env}`;
}
