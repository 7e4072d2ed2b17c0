import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearErrors, currentToasts, dismiss, DISMISS_AFTER_MS, notify } from './toastStore';

describe('toasts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    for (const t of currentToasts()) dismiss(t.id);
    vi.useRealTimers();
  });

  it('shows the same error once, counting repeats, and keeps it until dismissed', () => {
    notify('error', 'The file does not exist.');
    notify('error', 'The file does not exist.');
    notify('error', 'The file does not exist.');
    expect(currentToasts()).toHaveLength(1);
    expect(currentToasts()[0]).toMatchObject({ kind: 'error', count: 3 });
    vi.advanceTimersByTime(60_000);
    expect(currentToasts()).toHaveLength(1);
    dismiss(currentToasts()[0]!.id);
    expect(currentToasts()).toHaveLength(0);
  });

  it('keeps different messages and kinds apart', () => {
    notify('error', 'A');
    notify('error', 'B');
    notify('success', 'A');
    expect(currentToasts().map((t) => `${t.kind}:${t.message}`)).toEqual(['error:A', 'error:B', 'success:A']);
  });

  it('lets successes leave on their own, and a repeat restarts the clock', () => {
    notify('success', 'Saved.');
    vi.advanceTimersByTime(DISMISS_AFTER_MS.success! - 100);
    notify('success', 'Saved.');
    vi.advanceTimersByTime(200);
    expect(currentToasts()).toHaveLength(1);
    vi.advanceTimersByTime(DISMISS_AFTER_MS.success!);
    expect(currentToasts()).toHaveLength(0);
  });

  it('clears errors on navigation and leaves successes', () => {
    notify('error', 'Refused.');
    notify('success', 'Done.');
    clearErrors();
    expect(currentToasts().map((t) => t.kind)).toEqual(['success']);
  });
});
