import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, RouterProvider, type DataRouter } from 'react-router';
import { createQueryClient } from './api/queryClient';
import { routes } from './routes';
import { SessionProvider } from './session/SessionProvider';
import type { Session } from './session/session';

/**
 * The whole app. Tests pass a memory router, a fresh query client and a session (without one, the
 * session is the tab's signed-in device session).
 */
export function App({
  router,
  queryClient,
  session,
}: {
  router?: DataRouter;
  queryClient?: QueryClient;
  session?: Session | null | undefined;
}) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  const [appRouter] = useState(() => router ?? createBrowserRouter(routes));
  return (
    <QueryClientProvider client={client}>
      <SessionProvider session={session}>
        <RouterProvider router={appRouter} />
      </SessionProvider>
    </QueryClientProvider>
  );
}
