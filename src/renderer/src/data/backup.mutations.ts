import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { formatCount } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { markWrite } from './writes';
import { call } from './api';
import { backupQueries } from './backup.queries';

const refreshHistory = (client: QueryClient) =>
  client.invalidateQueries({ queryKey: backupQueries.history().queryKey });

export const backupMutations = {
  export: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'export'] as const,
      mutationFn: (input: CallInput<'backup.export'>) => call('backup.export', input),
      meta: { inlineErrors: true },
      onSuccess: (r) => notify('success', `Backup written: ${formatCount(r.rows)} rows to ${r.path}.`),
      onSettled: () => refreshHistory(client),
    }),
  inspect: () =>
    mutationOptions({
      mutationKey: ['backup', 'inspect'] as const,
      mutationFn: (input: CallInput<'backup.inspect'>) => call('backup.inspect', input),
      meta: { inlineErrors: true },
    }),
  plan: () =>
    mutationOptions({
      mutationKey: ['backup', 'plan'] as const,
      mutationFn: (input: CallInput<'backup.restore.plan'>) => call('backup.restore.plan', input),
      meta: { inlineErrors: true },
    }),
  apply: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'apply'] as const,
      mutationFn: (input: CallInput<'backup.restore.apply'>) => call('backup.restore.apply', input),
      meta: { inlineErrors: true },
      onSuccess: () => {
        notify('success', 'Backup restored; every restored user was checked.');
        markWrite();
        // Any user's balance, history or redemptions may have changed.
        return client.invalidateQueries();
      },
      onSettled: () => refreshHistory(client),
    }),
  verify: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['backup', 'verify'] as const,
      mutationFn: (input: CallInput<'backup.verify'>) => call('backup.verify', input),
      meta: { inlineErrors: true },
      onSettled: () => refreshHistory(client),
    }),
  cancel: () =>
    mutationOptions({
      mutationKey: ['backup', 'cancel'] as const,
      mutationFn: (jobId: string) => call('backup.cancel', { jobId }),
    }),
};
