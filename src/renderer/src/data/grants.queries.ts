import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const grantsQueries = {
  all: () => ['grants'] as const,
  /** The latest imports: an interrupted one is resumed from here. */
  list: () =>
    queryOptions({
      queryKey: [...grantsQueries.all(), 'list'] as const,
      queryFn: () => call('grants.list', { limit: 10 }),
    }),
};
