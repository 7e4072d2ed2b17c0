import { dismiss, useToasts, type ToastKind } from '../app/toastStore';

const ICON: Record<ToastKind, string> = { error: '✗', success: '✓', info: 'ℹ' };
const LABEL: Record<ToastKind, string> = { error: 'Error', success: 'Done', info: 'Note' };

export function Toasts() {
  const toasts = useToasts();
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
        >
          <span className="toast-icon" aria-label={LABEL[t.kind]}>
            {ICON[t.kind]}
          </span>
          <span className="toast-message">
            {t.message}
            {t.count > 1 && <span className="toast-count"> ×{t.count}</span>}
          </span>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
