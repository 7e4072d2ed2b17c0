import { useSyncExternalStore } from 'react';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** How many times the same message was raised while it was on screen ("×3"). */
  count: number;
}

/**
 * Toasts live outside React so the query client (created before the first render) can raise
 * them for failed mutations. The rules (issue 18): successes leave on their own, errors stay
 * until dismissed, the same message is never stacked twice, and a new screen starts clean.
 */
export const DISMISS_AFTER_MS: Record<ToastKind, number | null> = { error: null, success: 5000, info: 5000 };
const MAX_TOASTS = 4;

let toasts: Toast[] = [];
let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();
const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

function schedule(toast: Toast): void {
  const after = DISMISS_AFTER_MS[toast.kind];
  clearTimeout(timers.get(toast.id));
  if (after !== null)
    timers.set(
      toast.id,
      setTimeout(() => dismiss(toast.id), after),
    );
}

export function dismiss(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

/** Raises a toast; the same kind and message again counts up the one on screen instead. */
export function notify(kind: ToastKind, message: string): void {
  const same = toasts.find((t) => t.kind === kind && t.message === message);
  if (same) {
    const bumped = { ...same, count: same.count + 1 };
    toasts = [...toasts.filter((t) => t !== same), bumped];
    schedule(bumped);
  } else {
    const toast = { id: nextId++, kind, message, count: 1 };
    const all = [...toasts, toast];
    for (const old of all.slice(0, Math.max(0, all.length - MAX_TOASTS))) clearTimeout(timers.get(old.id));
    toasts = all.slice(-MAX_TOASTS);
    schedule(toast);
  }
  emit();
}

/**
 * A new screen starts clean: an error toast is about what the person was doing where they
 * were, and must not cover the next screen's tables. Successes may finish their few seconds.
 */
export function clearErrors(): void {
  const kept = toasts.filter((t) => t.kind !== 'error');
  if (kept.length === toasts.length) return;
  toasts = kept;
  emit();
}

export function currentToasts(): readonly Toast[] {
  return toasts;
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
