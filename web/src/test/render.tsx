import { render } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import { createMemoryRouter } from 'react-router';
import { App } from '../App';
import { routes } from '../routes';
import type { Session } from '../session/session';

/**
 * Renders the whole app at `path` with an isolated router and query client. Without `session`,
 * the live device session is used (signed out unless a test signs in).
 */
export function renderApp(path: string, session?: Session | null) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, refetchInterval: false, gcTime: Infinity } },
  });
  return { router, ...render(<App router={router} queryClient={queryClient} session={session} />) };
}
