import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { DiscrepancyKind, ScanSort } from '../../../shared/contract';
import { call } from './api';

export interface ResultsView {
  scanId: number;
  kinds: DiscrepancyKind[];
  sort: ScanSort;
  order: 'asc' | 'desc';
}

export const RESULTS_PAGE_SIZE = 100;

export const auditQueries = {
  all: () => ['audit'] as const,
  user: (userId: number) =>
    queryOptions({
      queryKey: [...auditQueries.all(), 'user', userId] as const,
      queryFn: () => call('audit.user', { userId, includeRecoveryData: true }),
    }),
  /** The latest scans (a running scan's progress is pushed: see ScanPanel). */
  scans: () =>
    queryOptions({
      queryKey: [...auditQueries.all(), 'scans'] as const,
      queryFn: () => call('audit.scans', { limit: 5 }),
    }),
  results: (v: ResultsView) =>
    infiniteQueryOptions({
      queryKey: [...auditQueries.all(), 'results', v] as const,
      queryFn: ({ pageParam }) =>
        call('audit.scanResults', {
          scanId: v.scanId,
          sort: v.sort,
          order: v.order,
          limit: RESULTS_PAGE_SIZE,
          cursor: pageParam,
          ...(v.kinds.length > 0 ? { kinds: v.kinds } : {}),
        }),
      initialPageParam: null as string | null,
      getNextPageParam: (last) => last.nextCursor,
    }),
};
