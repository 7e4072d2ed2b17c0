import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { ApprovalDecision, CallInput } from '../../../shared/contract';
import { notify } from '../app/toastStore';
import { call } from './api';
import { approvalsQueries } from './approvals.queries';
import { markWrite } from './writes';

const refresh = (client: QueryClient) =>
  Promise.all([
    client.invalidateQueries({ queryKey: approvalsQueries.all() }),
    // An approved earn/redeem moved a balance somewhere on the Users screen.
    client.invalidateQueries({ queryKey: ['users'] }),
    client.invalidateQueries({ queryKey: ['points'] }),
  ]);

/** A stale or expired request was refused by being marked so: a warning, not a success. */
function report(d: ApprovalDecision): void {
  notify(
    d.applied || d.state === 'approved' || d.state === 'denied' || d.state === 'cancelled'
      ? 'success'
      : 'error',
    d.message,
  );
  if (d.applied) markWrite();
}

type Decide = 'approvals.approve' | 'approvals.deny' | 'approvals.cancel';

export const approvalsMutations = {
  decide: (client: QueryClient, name: Decide) =>
    mutationOptions({
      mutationKey: ['approvals', name] as const,
      mutationFn: (input: CallInput<Decide>) => call(name, input),
      onSuccess: (d) => {
        report(d);
        return refresh(client);
      },
    }),
  approveMany: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['approvals', 'approveMany'] as const,
      mutationFn: (input: CallInput<'approvals.approveMany'>) => call('approvals.approveMany', input),
      onSuccess: (results) => {
        const applied = results.filter((r) => r.decision?.applied || r.decision?.state === 'approved').length;
        const refused = results.length - applied;
        notify(
          refused === 0 ? 'success' : 'error',
          `Approved ${applied} of ${results.length}.${
            refused > 0
              ? ` ${results
                  .filter((r) => !(r.decision?.applied || r.decision?.state === 'approved'))
                  .map((r) => r.decision?.message ?? r.error)
                  .join(' ')}`
              : ''
          }`,
        );
        if (applied > 0) markWrite();
        return refresh(client);
      },
    }),
  setPolicy: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['policies', 'set'] as const,
      mutationFn: (input: CallInput<'policies.set'>) => call('policies.set', input),
      onSuccess: (p) => {
        notify('success', `The ${p.kind} policy is saved (${p.enabled ? 'on' : 'off'}).`);
        return client.invalidateQueries({ queryKey: approvalsQueries.policies().queryKey });
      },
    }),
};
