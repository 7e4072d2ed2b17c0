import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { HistoryRow } from '../../../../../shared/contract';
import { formatPoints, formatSignedPoints } from '../../../../../shared/format';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { pointsMutations } from '../../../data/points.mutations';
import { useContractForm } from '../../../lib/useContractForm';
import { Field } from '../../../components/Field';

/** Reversing needs a reason a later auditor can read; the adjustment row carries it. */
export function ReverseDialog({
  userId,
  tx,
  onClose,
}: {
  userId: number;
  tx: HistoryRow | null;
  onClose(): void;
}) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const input = { transactionId: tx?.id ?? 0, reason };
  const form = useContractForm('points.reverse', input, pointsMutations.reverse(client, userId));
  const close = () => {
    setReason('');
    form.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={tx !== null}
      title={`Reverse transaction ${tx?.id ?? ''}?`}
      confirmLabel="Reverse"
      busy={form.mutation.isPending}
      onCancel={close}
      onConfirm={() => form.submit({ onSuccess: close })}
    >
      {tx && (
        <p>
          Adds an adjustment of <strong>{formatSignedPoints(-tx.points)}</strong> that cancels “
          {tx.description}”. The original row stays in the log.
        </p>
      )}
      {tx && (
        <p className="muted">
          {tx.points > 0
            ? `Lifetime totals: total earned keeps the original credit; the ${formatPoints(tx.points)} taken back count as redeemed.`
            : `Lifetime totals: total redeemed keeps the original redemption; the ${formatPoints(-tx.points)} given back count as earned.`}
        </p>
      )}
      <Field label="Reason (required)" error={form.errorFor('reason', reason !== '')}>
        <input
          name="reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. duplicate order"
        />
      </Field>
    </ConfirmDialog>
  );
}
