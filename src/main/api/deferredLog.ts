import { logger } from '../logger';

/**
 * Operations-log entries that could not be written when their call ended (the connection was
 * gone: DB_UNAVAILABLE). They wait here, in this process, and are written on the next call that
 * reaches the database, so every outcome ends up in the log.
 */
const pending: Array<() => Promise<void>> = [];
/** A bound: a server gone for hours must not grow this without limit. */
const MAX_PENDING = 1000;

/** Writes the entry now, or keeps it for the next connection when the write fails. */
export async function logOrDefer(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch {
    if (pending.length < MAX_PENDING) pending.push(write);
    else logger.error('operations log entries dropped: the database has been unreachable too long', {});
  }
}

/** Writes what waits, oldest first; stops at the first failure (still unreachable). */
export async function flushDeferred(): Promise<void> {
  while (pending.length > 0) {
    try {
      await pending[0]!();
    } catch {
      return;
    }
    pending.shift();
  }
}

export const deferredCount = () => pending.length;
