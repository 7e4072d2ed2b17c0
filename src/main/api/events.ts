import type { Progress, ProgressEvent } from '../../shared/progress';

/** Often enough for a bar that moves smoothly, rare enough that a fast COPY does not flood IPC. */
export const PROGRESS_INTERVAL_MS = 100;

export interface ProgressEmitter {
  progress(p: Progress): void;
  /** Sends the last event (finished: true); nothing is sent after it. */
  finish(): void;
}

/** The id a caller follows a long call by: its jobId, or a recovery run's runId. */
export function jobIdOf(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const { jobId, runId } = input as { jobId?: unknown; runId?: unknown };
  if (typeof jobId === 'string') return jobId;
  return typeof runId === 'string' ? runId : null;
}

/**
 * Turns a call's progress reports into pushed events: at most one per interval (the newest
 * report wins; the first is sent at once), each with the rate measured since the call started,
 * and a final one when the call ends, so a listener never waits on a bar that stopped short.
 */
export function progressEmitter(
  call: string,
  jobId: string | null,
  send: (event: ProgressEvent) => void,
  now: () => number = () => performance.now(),
): ProgressEmitter {
  const started = now();
  let last: Progress | null = null;
  let sentAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const event = (p: Progress, finished: boolean): ProgressEvent => {
    const seconds = (now() - started) / 1000;
    const perSecond = seconds > 0.2 ? Math.round(p.done / seconds) : 0;
    const left = p.total === null ? null : Math.max(p.total - p.done, 0);
    return {
      call,
      jobId,
      progress: p,
      perSecond,
      etaSeconds: left === null || perSecond === 0 ? null : Math.round(left / perSecond),
      finished,
    };
  };
  const flush = () => {
    timer = null;
    if (ended || last === null) return;
    sentAt = now();
    send(event(last, false));
  };
  return {
    progress(p) {
      if (ended) return;
      last = p;
      const wait = sentAt + PROGRESS_INTERVAL_MS - now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    finish() {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      send(event(last ?? { done: 0, total: null }, true));
    },
  };
}
