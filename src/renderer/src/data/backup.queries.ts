import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const backupQueries = {
  all: () => ['backup'] as const,
  /** A long call's progress, polled while it runs (IPC answers once per call, so we ask). */
  job: (jobId: string | null) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'job', jobId] as const,
      queryFn: () => call('backup.progress', { jobId: jobId ?? '' }),
      enabled: jobId !== null,
      refetchInterval: 400,
    }),
  /** Backups and restores, newest first, from the operations log. */
  history: () =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'history'] as const,
      queryFn: () => call('operations.list', { actionPrefix: 'backup.', limit: 20, cursor: null }),
    }),
};
