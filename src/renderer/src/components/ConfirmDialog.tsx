import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** Keeps Confirm off until the person has done what the dialog asks (typed a count, say). */
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * A modal question before a write. Enter does what the confirm button says, Esc cancels — the
 * dialog says so under its buttons, as the README does. Focus starts in the first field when
 * the dialog asks for typing (a count, a mode, a reason), otherwise on the confirm button:
 * showModal() alone would focus Cancel, and Enter would then cancel.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy,
  confirmDisabled,
  onConfirm,
  onCancel,
}: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      const field = dialog.querySelector<HTMLElement>('.dialog-body input, .dialog-body textarea');
      (field ?? dialog.querySelector<HTMLElement>('button[type="submit"]'))?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          // The dialog may sit inside another form in the React tree; its submit is its own.
          e.preventDefault();
          e.stopPropagation();
          if (!busy && !confirmDisabled) onConfirm();
        }}
      >
        <h2 className="card-title">{title}</h2>
        <div className="dialog-body">{children}</div>
        <p className="dialog-keys muted">
          <kbd className="kbd">Enter</kbd> {confirmLabel} · <kbd className="kbd">Esc</kbd> Cancel
        </p>
        <div className="dialog-actions">
          <button type="button" className="button button-ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || confirmDisabled}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
