import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const grantsQueries = {
  all: () => ['grants'] as const,
  /** A running check, import or apply, polled (IPC answers once per call, so we ask). */
  job: (jobId: string | null) =>
    queryOptions({
      queryKey: [...grantsQueries.all(), 'job', jobId] as const,
      queryFn: () => call('grants.progress', { jobId: jobId ?? '' }),
      enabled: jobId !== null,
      refetchInterval: 400,
    }),
  /** The latest imports: an interrupted one is resumed from here. */
  list: () =>
    queryOptions({
      queryKey: [...grantsQueries.all(), 'list'] as const,
      queryFn: () => call('grants.list', { limit: 10 }),
    }),
};
