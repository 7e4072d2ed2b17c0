import { useSyncExternalStore } from 'react';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

/**
 * Toasts live outside React so the query client (created before the first render) can raise
 * them for failed mutations.
 */
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const DISMISS_AFTER_MS: Record<ToastKind, number | null> = { error: null, success: 6000, info: 6000 };

function emit(): void {
  for (const listener of listeners) listener();
}

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function notify(kind: ToastKind, message: string): void {
  const toast = { id: nextId++, kind, message };
  // The newest five are enough; older ones are stale by then.
  toasts = [...toasts, toast].slice(-5);
  emit();
  // Errors stay until dismissed: a person must get the chance to read them.
  const after = DISMISS_AFTER_MS[kind];
  if (after !== null) setTimeout(() => dismiss(toast.id), after);
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => toasts,
  );
}
