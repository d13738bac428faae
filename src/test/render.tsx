import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { AnnouncerProvider } from '../components/ui/announcer.tsx';
import { EnvironmentContext } from '../lib/environment.tsx';
import type { EnvironmentInfo } from '../lib/environment.tsx';
import { initI18n } from '../lib/i18n/i18n.ts';

const LOCAL: EnvironmentInfo = { name: 'local', synthetic: true, validation: true };

/**
 * Renders a piece of the console as the app does — query client (no retries, fresh per test),
 * i18n in pt-BR, announcer, environment, router — talking to the real console server.
 */
export async function renderConsole(
  ui: ReactNode,
  { path = '/', environment = LOCAL, state }: { path?: string; environment?: EnvironmentInfo; state?: unknown } = {},
) {
  await initI18n();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const location = memoryLocation({ path, record: true });
  // The browser keeps a navigation's state in history.state, where useHistoryState (carried-cpf.ts)
  // reads it; so does this memory location, the address itself staying in memory.
  window.history.replaceState(state ?? null, '');
  const hook = (): [string, (to: string, options?: { replace?: boolean; state?: unknown }) => void] => {
    const [current, navigate] = location.hook();
    return [
      current,
      (to, options) => {
        window.history.replaceState(options?.state ?? null, '');
        navigate(to, options);
      },
    ];
  };
  const result = render(
    <QueryClientProvider client={queryClient}>
      <Router hook={hook} searchHook={location.searchHook}>
        <AnnouncerProvider>
          <EnvironmentContext.Provider value={{ current: environment, all: [environment], unknownRequested: undefined }}>
            {ui}
          </EnvironmentContext.Provider>
        </AnnouncerProvider>
      </Router>
    </QueryClientProvider>,
  );
  return { ...result, queryClient, location };
}
