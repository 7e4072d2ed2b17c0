import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { TransactionType } from '../../../shared/contract';
import { call } from './api';

export interface HistoryFilters {
  types: TransactionType[];
  /** ISO 8601, or '' for open-ended. */
  from: string;
  to: string;
}

export const HISTORY_PAGE_SIZE = 100;

export const pointsQueries = {
  all: () => ['points'] as const,
  histories: (userId: number) => [...pointsQueries.all(), 'history', userId] as const,
  history: (userId: number, f: HistoryFilters) =>
    infiniteQueryOptions({
      queryKey: [...pointsQueries.histories(userId), f] as const,
      queryFn: ({ pageParam }) =>
        call('points.history', {
          userId,
          cursor: pageParam,
          limit: HISTORY_PAGE_SIZE,
          ...(f.types.length ? { types: f.types } : {}),
          ...(f.from ? { from: f.from } : {}),
          ...(f.to ? { to: f.to } : {}),
        }),
      initialPageParam: null as string | null,
      getNextPageParam: (last) => last.nextCursor,
    }),
  redemptions: (userId: number) =>
    queryOptions({
      queryKey: [...pointsQueries.all(), 'redemptions', userId] as const,
      queryFn: () => call('redemptions.list', { userId }),
    }),
  rewards: () =>
    queryOptions({
      queryKey: [...pointsQueries.all(), 'rewards'] as const,
      queryFn: () => call('rewards.list', { includeInactive: false }),
      staleTime: 60_000,
    }),
};
