import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field } from '../../components/Field';

export type DecisionKind = 'approve' | 'deny' | 'cancel';

const TITLE: Record<DecisionKind, string> = {
  approve: 'Approve',
  deny: 'Deny',
  cancel: 'Withdraw',
};

interface Props {
  decision: DecisionKind | null;
  /** What is decided, one line per request, shown above the reason. */
  lines: string[];
  busy: boolean;
  onConfirm(reason: string): void;
  onCancel(): void;
}

/** Approve, deny or withdraw with a reason, confirmed: the reason goes to the operations log. */
export function DecisionDialog({ decision, lines, busy, onConfirm, onCancel }: Props) {
  const [reason, setReason] = useState('');
  const valid = reason.trim().length >= 3;
  const label = decision
    ? `${TITLE[decision]} ${lines.length > 1 ? `${lines.length} requests` : 'request'}`
    : '';
  return (
    <ConfirmDialog
      open={decision !== null}
      title={`${label}?`}
      confirmLabel={label}
      busy={busy}
      confirmDisabled={!valid}
      onConfirm={() => onConfirm(reason.trim())}
      onCancel={() => {
        setReason('');
        onCancel();
      }}
    >
      <ul className="approval-lines">
        {lines.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      {decision === 'approve' && (
        <p className="muted">
          An earn or redeem is applied at once, exactly as shown; a change the ledger has moved past is
          refused as stale.
        </p>
      )}
      <Field label="Reason" error={reason && !valid ? 'at least 3 characters' : undefined}>
        <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      </Field>
    </ConfirmDialog>
  );
}
