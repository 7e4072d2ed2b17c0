import { infiniteQueryOptions } from '@tanstack/react-query';
import type { OperationEntry } from '../../../shared/contract';
import { call } from './api';

export interface OperationFilters {
  /** A call name or a prefix such as "backup." ('' for every call). */
  action: string;
  actor: string;
  outcome: '' | OperationEntry['outcome'];
}

export const OPERATIONS_PAGE_SIZE = 100;

export const operationsQueries = {
  all: () => ['operations'] as const,
  list: (f: OperationFilters) =>
    infiniteQueryOptions({
      queryKey: [...operationsQueries.all(), f] as const,
      queryFn: ({ pageParam }) =>
        call('operations.list', {
          cursor: pageParam,
          limit: OPERATIONS_PAGE_SIZE,
          ...(f.action ? { actionPrefix: f.action } : {}),
          ...(f.actor ? { actor: f.actor } : {}),
          ...(f.outcome ? { outcome: f.outcome } : {}),
        }),
      initialPageParam: null as string | null,
      getNextPageParam: (last) => last.nextCursor,
    }),
};
