import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const backupQueries = {
  all: () => ['backup'] as const,
  /** Backups and restores, newest first, from the operations log. */
  history: () =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'history'] as const,
      queryFn: () => call('operations.list', { actionPrefix: 'backup.', limit: 20, cursor: null }),
    }),
};
