import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { ResolveDecision, UserRecoveryPlan } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { recoveryMutations } from '../../data/recovery.mutations';
import { useRoleGate } from '../../lib/useRoleGate';

const DECISIONS: Array<{ value: ResolveDecision; label: string }> = [
  { value: 'accept_log', label: 'Accept the log as genuine (copies follow the log)' },
  { value: 'keep_stored', label: 'Keep the stored balance (an adjustment brings the log to it)' },
];

/** One quarantined user, resolved by an admin's explicit decision and written reason. */
export function ResolveForm({ user }: { user: UserRecoveryPlan }) {
  const client = useQueryClient();
  const gate = useRoleGate('recovery.resolve');
  const id = useId();
  const [decision, setDecision] = useState<ResolveDecision | ''>('');
  const [reason, setReason] = useState('');
  const resolve = useMutation(recoveryMutations.resolve(client));
  if (!gate.allowed) return null;
  if (resolve.data) return <p className="muted">Resolved; it is in the operations log.</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!decision) return;
    resolve.mutate({
      userId: user.userId,
      decision,
      reason,
      expect: { logBalance: user.log.balance, points: user.stored.points, rewards: user.stored.rewards },
    });
  };
  return (
    <form className="resolve-form" onSubmit={submit} aria-label={`Resolve user ${user.userId}`}>
      <label htmlFor={`${id}-d`}>Decision</label>
      <select
        id={`${id}-d`}
        value={decision}
        onChange={(e) => setDecision(e.target.value as ResolveDecision)}
      >
        <option value="">Choose…</option>
        {DECISIONS.map((d) => (
          <option key={d.value} value={d.value}>
            {d.label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-r`}>Reason (recorded in the operations log)</label>
      <textarea id={`${id}-r`} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      <button
        type="submit"
        className="button"
        disabled={!decision || reason.trim().length < 10 || resolve.isPending}
      >
        Resolve user {user.userId}
      </button>
      {resolve.error && <ErrorNotice error={resolve.error} title="Not resolved" />}
    </form>
  );
}
