import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const sessionQueries = {
  all: () => ['session'] as const,
  // Polled so the status bar notices a lost connection without waiting for the next action.
  whoami: () =>
    queryOptions({
      queryKey: [...sessionQueries.all(), 'whoami'] as const,
      queryFn: () => call('session.whoami', {}),
      refetchInterval: 30_000,
      staleTime: 10_000,
    }),
  // The replica's lag moves by the second: polled while the status bar shows it.
  servers: () =>
    queryOptions({
      queryKey: [...sessionQueries.all(), 'servers'] as const,
      queryFn: () => call('session.servers', {}),
      refetchInterval: 5_000,
      staleTime: 2_000,
    }),
};
