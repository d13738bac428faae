import { QueryClient } from '@tanstack/react-query';
import { UPSTREAM_FAULT_TITLES } from '../../contract/console.ts';
import { ApiError } from './client.ts';

const upstreamFaults: ReadonlySet<string> = new Set(UPSTREAM_FAULT_TITLES);

/**
 * Which failed queries the browser asks again (at most twice). Never a 4xx: an answer about what
 * was sent. Never an upstream fault: the console server has already retried what was worth it
 * (a GET whose connection failed), and the rest cannot improve within seconds — a 504 has already
 * cost the whole timeout, a refused API key is a configuration problem. Never any 504. What is
 * left is the console server itself being unreachable (status 0) or failing.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError) {
    if (error.isClientError || error.status === 504 || upstreamFaults.has(error.title)) return false;
  }
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 30_000, refetchOnWindowFocus: false },
      // A registration is never sent twice by the machine: a person decides to retry.
      mutations: { retry: false },
    },
  });
}
