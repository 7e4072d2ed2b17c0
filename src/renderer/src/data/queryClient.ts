import { MutationCache, QueryClient } from '@tanstack/react-query';
import { ApiError, messageOf } from './ApiError';

type Notify = (message: string) => void;

/** Retries only what may pass on a second try: a lost connection, never a refusal. */
function shouldRetry(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && error.code === 'DB_UNAVAILABLE';
}

export function createQueryClient(notifyError: Notify): QueryClient {
  return new QueryClient({
    // Mutations report failures once, here, unless their form shows them inline (meta.inlineErrors);
    // screens show query errors inline where they happen.
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (mutation.meta?.inlineErrors !== true) notifyError(messageOf(error));
      },
    }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 5_000 },
      mutations: { retry: false },
    },
  });
}
