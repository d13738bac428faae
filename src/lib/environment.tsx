import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { useSearchParams } from 'wouter';
import type { EnvironmentName, EnvironmentsAnswer } from '../../contract/console.ts';
import { environmentQueries } from '../api/environments.ts';

export type EnvironmentInfo = EnvironmentsAnswer['environments'][number];

export interface EnvironmentState {
  current: EnvironmentInfo;
  all: EnvironmentInfo[];
  /** The `?env=` of the link, when it names an environment this console does not have. */
  unknownRequested: string | undefined;
}

export const EnvironmentContext = createContext<EnvironmentState | null>(null);

/** The active environment: the one in the address (`?env=`), so a shared link opens in it; else the first. */
export function useEnvironmentState() {
  const query = useQuery(environmentQueries.list());
  const [params] = useSearchParams();
  const requested = params.get('env') ?? undefined;
  const all = query.data?.environments ?? [];
  const match = all.find((e) => e.name === requested);
  const first = all[0];
  const state: EnvironmentState | null =
    first === undefined
      ? null
      : {
          current: match ?? first,
          all,
          unknownRequested: requested !== undefined && match === undefined ? requested : undefined,
        };
  return { query, state };
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
