import type { CallInput, CallName, CallOutput } from './contract';
import type { ProgressListener } from './progress';
import type { Result } from './result';

/** What the preload (or the e2e bridge) installs as `window.pointkeeper`. */
export type PointkeeperCalls = {
  [K in CallName]: (input: CallInput<K>) => Promise<Result<CallOutput<K>>>;
};

export interface PointkeeperApi {
  calls: PointkeeperCalls;
  /**
   * Follows the progress events every long call pushes while it runs (the contract's
   * `emits: 'progress'`); returns the unsubscribe.
   */
  onProgress(listener: ProgressListener): () => void;
  /** Which transport carries the calls: shown in the status bar. */
  transport: 'electron' | 'bridge';
}
