import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const demoQueries = {
  all: () => ['demo'] as const,
  status: () =>
    queryOptions({
      queryKey: [...demoQueries.all(), 'status'] as const,
      queryFn: () => call('demo.status', {}),
    }),
};
