import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';

/** A page of a cursor-paged call, as every list call of the contract returns it. */
interface Page<T> {
  items: T[];
}

/**
 * The rows of an infinite query as one list, whether more exist, and a `loadMore` that is safe
 * to call on every scroll (it asks for one page at a time).
 */
export function useInfiniteRows<T>(query: UseInfiniteQueryResult<InfiniteData<Page<T>>>) {
  const { data, hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const rows = useMemo(() => data?.pages.flatMap((p) => p.items) ?? [], [data]);
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return { rows, hasMore: hasNextPage, loadMore };
}
