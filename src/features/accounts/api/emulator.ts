import { queryOptions } from '@tanstack/react-query';
import { emulatorAccessSchema } from '../../../../contract/access-admin.ts';
import { apiRequest } from '../../../api/client.ts';

/**
 * The built-in emulator's address and key (admins). Asked for only when an admin chooses to see
 * it (each reading is audited), and never kept: forgotten as soon as nothing shows it.
 */
export const emulatorQueries = {
  all: () => ['admin', 'emulator'] as const,
  access: () =>
    queryOptions({
      queryKey: emulatorQueries.all(),
      queryFn: ({ signal }) => apiRequest('/admin/emulator', emulatorAccessSchema, { signal }),
      staleTime: 0,
      gcTime: 0,
    }),
};
