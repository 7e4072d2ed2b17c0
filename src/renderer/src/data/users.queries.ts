import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { call } from './api';

/** Rows per page of search results: enough to fill a tall window twice. */
export const SEARCH_PAGE_SIZE = 100;

export const usersQueries = {
  all: () => ['users'] as const,
  searches: () => [...usersQueries.all(), 'search'] as const,
  search: (query: string) =>
    infiniteQueryOptions({
      queryKey: [...usersQueries.searches(), query] as const,
      queryFn: ({ pageParam }) => call('users.search', { query, cursor: pageParam, limit: SEARCH_PAGE_SIZE }),
      initialPageParam: null as string | null,
      getNextPageParam: (last) => last.nextCursor,
      enabled: query.trim().length > 0,
      // Keep the previous results on screen while the next keystroke's results load.
      placeholderData: (previous) => previous,
    }),
  details: () => [...usersQueries.all(), 'detail'] as const,
  detail: (userId: number) =>
    queryOptions({
      queryKey: [...usersQueries.details(), userId] as const,
      queryFn: () => call('users.get', { userId }),
    }),
};
