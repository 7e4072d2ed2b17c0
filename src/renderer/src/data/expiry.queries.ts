import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const expiryQueries = {
  all: () => ['expiry'] as const,
  policies: () =>
    queryOptions({
      queryKey: [...expiryQueries.all(), 'policies'] as const,
      queryFn: () => call('expiry.policies', {}),
    }),
  user: (userId: number) =>
    queryOptions({
      queryKey: [...expiryQueries.all(), 'user', userId] as const,
      queryFn: () => call('expiry.user', { userId }),
    }),
  /** A preview is a snapshot a person asked for: not refetched behind their back. */
  preview: (asOf: string | null, nonce: number) =>
    queryOptions({
      queryKey: [...expiryQueries.all(), 'preview', asOf, nonce] as const,
      queryFn: () => call('expiry.preview', asOf ? { asOf } : {}),
      staleTime: Infinity,
      refetchOnWindowFocus: false,
    }),
  byMonth: (months: number) =>
    queryOptions({
      queryKey: [...expiryQueries.all(), 'byMonth', months] as const,
      queryFn: () => call('expiry.byMonth', { months }),
    }),
};
