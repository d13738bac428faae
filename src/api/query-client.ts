import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client.ts';

/** A 4xx is an answer about what was sent: asking again unchanged cannot help, so it is never retried. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.isClientError) return false;
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
