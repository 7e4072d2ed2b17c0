import { useState, type ReactNode } from 'react';
import type { Gate } from '../lib/useRoleGate';
import { ConfirmDialog } from './ConfirmDialog';

interface ConfirmedFormProps {
  /** The form's legend and accessible name, e.g. "Earn points". */
  label: string;
  /** The role gate of the call: a login that may not make it sees the fields disabled, and why. */
  gate: Gate;
  /** Checks the fields; only a valid form opens the confirmation. */
  validate: () => boolean;
  submitLabel: string;
  confirmTitle: string;
  confirmLabel: string;
  busy: boolean;
  /** What the write will do, in words, shown in the confirmation. */
  summary: ReactNode;
  /** Makes the write; `settled` closes the confirmation when it ends, either way. */
  onConfirm: (settled: () => void) => void;
  children: ReactNode;
}

/**
 * A write form that never writes on Enter alone: submitting validates, then asks for
 * confirmation with the write described in words. One shape for every points form.
 */
export function ConfirmedForm({
  label,
  gate,
  validate,
  submitLabel,
  confirmTitle,
  confirmLabel,
  busy,
  summary,
  onConfirm,
  children,
}: ConfirmedFormProps) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <form
        className="points-form"
        aria-label={label}
        onSubmit={(e) => {
          e.preventDefault();
          if (validate()) setConfirming(true);
        }}
      >
        <fieldset disabled={!gate.allowed} title={gate.reason ?? undefined}>
          <legend>{label}</legend>
          {children}
          <button type="submit" className="button button-primary" title={gate.reason ?? undefined}>
            {submitLabel}
          </button>
        </fieldset>
      </form>
      <ConfirmDialog
        open={confirming}
        title={confirmTitle}
        confirmLabel={confirmLabel}
        busy={busy}
        onConfirm={() => onConfirm(() => setConfirming(false))}
        onCancel={() => setConfirming(false)}
      >
        {summary}
      </ConfirmDialog>
    </>
  );
}
