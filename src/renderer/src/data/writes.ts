import { useSyncExternalStore } from 'react';

/**
 * When this console last changed ledger state (earn, redeem, reverse, recovery, restore): a scan
 * finished before that may no longer describe the database, and the Audit screen says so.
 */
let lastWriteAt = 0;
const listeners = new Set<() => void>();

export function markWrite(at = Date.now()): void {
  lastWriteAt = at;
  for (const l of listeners) l();
}

export function useLastWriteAt(): number {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => lastWriteAt,
  );
}
