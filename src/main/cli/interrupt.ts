/**
 * Ctrl-C (or a TERM from a supervisor) cancels the running call instead of killing the process,
 * so the transaction rolls back, the session closes and an embedded server we started is stopped.
 * A second signal means "now": the process exits at once, and PostgreSQL still rolls back.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\n${name}: cancelling… (again to quit at once)\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
