import { QueryClient } from '@tanstack/react-query';
import { isProblemError } from './client';

/** The app's query client: no retries on client errors (4xx), one retry otherwise. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failureCount, error) => {
          if (isProblemError(error) && error.status >= 400 && error.status < 500) return false;
          return failureCount < 1;
        },
        staleTime: 10_000,
      },
    },
  });
}
