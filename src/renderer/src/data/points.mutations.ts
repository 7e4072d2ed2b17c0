import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { ApprovalPending, CallInput, CallName, CallOutput } from '../../../shared/contract';
import { formatPoints, formatSignedPoints } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { ApiError } from './ApiError';
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

/**
 * An earn/redeem an approval policy covers became a request: an outcome to show as "waiting for
 * approval", not a failure toast.
 */
async function orPending<K extends CallName>(
  run: () => Promise<CallOutput<K>>,
  client: QueryClient,
): Promise<CallOutput<K> | ApprovalPending> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'APPROVAL_PENDING') throw error;
    notify('info', error.message);
    await client.invalidateQueries({ queryKey: ['approvals'] });
    return error.details as ApprovalPending;
  }
}

export const pointsMutations = {
  earn: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['points', 'earn'] as const,
      mutationFn: (input: CallInput<'points.earn'>) =>
        orPending<'points.earn'>(() => call('points.earn', input), client),
      onSuccess: (r, input) => {
        if ('pendingApproval' in r) return;
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
      mutationFn: (input: CallInput<'points.redeem'>) =>
        orPending<'points.redeem'>(() => call('points.redeem', input), client),
      onSuccess: (r, input) => {
        if ('pendingApproval' in r) return;
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
