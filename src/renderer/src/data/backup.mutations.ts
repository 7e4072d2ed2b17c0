import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { notify } from '../app/toastStore';
import { call } from './api';
import { backupQueries } from './backup.queries';

const refreshHistory = (client: QueryClient) =>
  client.invalidateQueries({ queryKey: backupQueries.history().queryKey });

export const backupMutations = {
  export: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'export'] as const,
      mutationFn: (input: CallInput<'backup.export'>) => call('backup.export', input),
      onSuccess: (r) => notify('success', `Backup written: ${r.rows.toLocaleString()} rows to ${r.path}.`),
      onSettled: () => refreshHistory(client),
    }),
  inspect: () =>
    mutationOptions({
      mutationKey: ['backup', 'inspect'] as const,
      mutationFn: (input: CallInput<'backup.inspect'>) => call('backup.inspect', input),
    }),
  plan: () =>
    mutationOptions({
      mutationKey: ['backup', 'plan'] as const,
      mutationFn: (input: CallInput<'backup.restore.plan'>) => call('backup.restore.plan', input),
    }),
  apply: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'apply'] as const,
      mutationFn: (input: CallInput<'backup.restore.apply'>) => call('backup.restore.apply', input),
      onSuccess: () => {
        notify('success', 'Backup restored; every restored user was checked.');
        // Any user's balance, history or redemptions may have changed.
        return client.invalidateQueries();
      },
      onSettled: () => refreshHistory(client),
    }),
  verify: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'verify'] as const,
      mutationFn: (input: CallInput<'backup.verify'>) => call('backup.verify', input),
      onSettled: () => refreshHistory(client),
    }),
  cancel: () =>
    mutationOptions({
      mutationKey: ['backup', 'cancel'] as const,
      mutationFn: (jobId: string) => call('backup.cancel', { jobId }),
    }),
};
