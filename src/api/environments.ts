import { queryOptions } from '@tanstack/react-query';
import { environmentsAnswerSchema } from '../../contract/console.ts';
import { apiRequest } from './client.ts';

export const environmentQueries = {
  list: () =>
    queryOptions({
      queryKey: ['environments'] as const,
      queryFn: ({ signal }) => apiRequest('/environments', environmentsAnswerSchema, { signal }),
      // The server's configuration does not change while it runs.
      staleTime: Infinity,
    }),
};
