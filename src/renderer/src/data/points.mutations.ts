import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { formatPoints, formatSignedPoints } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { markWrite } from './writes';
import { call } from './api';
import { pointsQueries } from './points.queries';
import { usersQueries } from './users.queries';

/** After any write for a user: their balance, history and redemptions are stale. */
function refreshUser(client: QueryClient, userId: number): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: usersQueries.detail(userId).queryKey }),
    client.invalidateQueries({ queryKey: pointsQueries.histories(userId) }),
    client.invalidateQueries({ queryKey: pointsQueries.redemptions(userId).queryKey }),
    client.invalidateQueries({ queryKey: usersQueries.searches() }),
  ]);
}

export const pointsMutations = {
  earn: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['points', 'earn'] as const,
      mutationFn: (input: CallInput<'points.earn'>) => call('points.earn', input),
      onSuccess: (r, input) => {
        notify(
          'success',
          `${r.replayed ? 'Already recorded: ' : ''}${formatSignedPoints(r.pointsEarned)} for user ${input.userId}. New balance ${formatPoints(r.currentPoints)}.`,
        );
        markWrite();
        return refreshUser(client, input.userId);
      },
    }),
  redeem: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['points', 'redeem'] as const,
      mutationFn: (input: CallInput<'points.redeem'>) => call('points.redeem', input),
      onSuccess: (r, input) => {
        notify(
          'success',
          `${r.replayed ? 'Already recorded: ' : ''}${formatSignedPoints(-r.pointsRedeemed)} for user ${input.userId}. New balance ${formatPoints(r.currentPoints)}.`,
        );
        markWrite();
        return refreshUser(client, input.userId);
      },
    }),
  reverse: (client: QueryClient, userId: number) =>
    mutationOptions({
      mutationKey: ['points', 'reverse'] as const,
      mutationFn: (input: CallInput<'points.reverse'>) => call('points.reverse', input),
      onSuccess: (r) => {
        notify(
          'success',
          `Transaction #${r.reversedTransactionId} reversed (${formatSignedPoints(r.pointsChange)}). New balance ${formatPoints(r.currentPoints)}.`,
        );
        markWrite();
        return refreshUser(client, userId);
      },
    }),
  markUsed: (client: QueryClient, userId: number) =>
    mutationOptions({
      mutationKey: ['redemptions', 'markUsed'] as const,
      mutationFn: (input: CallInput<'redemptions.markUsed'>) => call('redemptions.markUsed', input),
      onSuccess: (r) => {
        notify('success', `Redemption #${r.id} (${r.rewardName}) is marked as used.`);
        markWrite();
        return refreshUser(client, userId);
      },
    }),
};
