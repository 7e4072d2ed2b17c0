import { formatCount } from '../../../../shared/format';
import { useState } from 'react';
import type { RecoveryPlan } from '../../../../shared/contract';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describeScope } from './scope';

interface Props {
  plan: RecoveryPlan | null;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/** Confirming means typing how many users will change: a number read, not a button clicked by habit. */
export function ApplyDialog({ plan, busy, onConfirm, onCancel }: Props) {
  const [typed, setTyped] = useState('');
  const expected = String(plan?.totals.usersChanged ?? '');
  const matches = typed.trim() === expected;
  const close = () => {
    setTyped('');
    onCancel();
  };
  return (
    <ConfirmDialog
      open={plan !== null}
      title={`Apply ${plan?.action ?? ''}?`}
      confirmLabel={`Apply to ${expected} users`}
      busy={busy}
      confirmDisabled={!matches}
      onCancel={close}
      onConfirm={() => {
        setTyped('');
        onConfirm();
      }}
    >
      {plan && (
        <>
          <p>
            {plan.action === 'sync' ? 'Sync' : 'Recover'} {describeScope(plan.scope)}:{' '}
            <strong>{formatCount(plan.totals.usersChanged)}</strong> users change
            {plan.totals.adjustments.count > 0 &&
              `, ${formatCount(plan.totals.adjustments.count)} ${plan.totals.adjustments.count === 1 ? 'adjustment is' : 'adjustments are'} added to the log`}
            {plan.totals.balancesLowered.users > 0 &&
              `, ${formatCount(plan.totals.balancesLowered.users)} ${plan.totals.balancesLowered.users === 1 ? 'balance goes' : 'balances go'} down`}
            . Exactly the previewed plan is applied; if anything changed since, nothing is.
          </p>
          <div className="field">
            <label htmlFor="apply-count">Type {expected} to confirm</label>
            <input
              id="apply-count"
              inputMode="numeric"
              autoComplete="off"
              autoFocus
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
        </>
      )}
    </ConfirmDialog>
  );
}
