import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { plural } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { markWrite } from './writes';
import { call } from './api';

export const recoveryMutations = {
  /** A preview is computed when asked for, never refetched behind the reader's back. */
  plan: () =>
    mutationOptions({
      mutationKey: ['recovery', 'plan'] as const,
      mutationFn: (input: CallInput<'recovery.plan'>) => call('recovery.plan', input),
      meta: { inlineErrors: true },
    }),
  apply: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['recovery', 'apply'] as const,
      mutationFn: (input: CallInput<'recovery.apply'>) => call('recovery.apply', input),
      meta: { inlineErrors: true },
      onSuccess: (run) => {
        notify(
          'success',
          `${run.action === 'sync' ? 'Sync' : 'Recover'} applied to ${plural(run.usersChanged, 'user')}.`,
        );
        markWrite();
        // Balances, totals and histories of any user may have changed.
        return client.invalidateQueries();
      },
    }),
  resolve: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['recovery', 'resolve'] as const,
      mutationFn: (input: CallInput<'recovery.resolve'>) => call('recovery.resolve', input),
      onSuccess: (r) => {
        notify('success', `User ${r.userId} resolved: balance ${r.after.points.toLocaleString()}.`);
        return client.invalidateQueries();
      },
    }),
};
