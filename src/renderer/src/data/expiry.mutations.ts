import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { formatCount, formatPoints } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { call } from './api';
import { expiryQueries } from './expiry.queries';
import { markWrite } from './writes';

export const expiryMutations = {
  setPolicy: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['expiry', 'setPolicy'] as const,
      mutationFn: (input: CallInput<'expiry.setPolicy'>) => call('expiry.setPolicy', input),
      onSuccess: (r) => {
        const how = r.months ? `${r.months} months` : r.days ? `${r.days} days` : 'never';
        notify('success', `${r.type} credits made from now on expire: ${how}.`);
        markWrite();
        return client.invalidateQueries({ queryKey: expiryQueries.all() });
      },
    }),
  run: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['expiry', 'run'] as const,
      mutationFn: (input: CallInput<'expiry.run'>) => call('expiry.run', input),
      onSuccess: (r) => {
        notify(
          'success',
          `Expired ${formatCount(r.lots)} lots of ${formatCount(r.users)} users: ${formatPoints(r.points)}.`,
        );
        markWrite();
        // Every balance an expiry touched is stale, wherever it is shown.
        return client.invalidateQueries();
      },
    }),
};
