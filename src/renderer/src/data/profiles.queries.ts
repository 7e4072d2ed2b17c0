import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const profilesQueries = {
  all: () => ['profiles'] as const,
  // Polled slowly: the connection state also changes from the main process (a lost server).
  overview: () =>
    queryOptions({
      queryKey: [...profilesQueries.all(), 'overview'] as const,
      queryFn: () => call('profiles.list', {}),
      refetchInterval: 30_000,
    }),
};
