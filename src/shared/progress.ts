/**
 * How far a long call has got: the one shape every layer uses, from the ledger function that
 * counts its rows to the window's bar, the bridge's event stream and the command line's bar.
 */
export interface Progress {
  done: number;
  /** null while the work cannot tell how much there is. */
  total: number | null;
  /** What the work is doing now ("export users", "check chains and copies"). */
  phase?: string;
  /** The unit or a short note ("users", "chunks applied"). */
  message?: string;
}

/**
 * One pushed progress event: which call, which job (the caller's jobId, or a recovery run's
 * runId; null when the call takes neither), how far, and the rate the host measured.
 */
export interface ProgressEvent {
  call: string;
  jobId: string | null;
  progress: Progress;
  /** Units per second since the call started; 0 until it can be told. */
  perSecond: number;
  /** Seconds left at that rate; null until it can be estimated. */
  etaSeconds: number | null;
  /** The last event of a call, sent when it has ended (whether it succeeded or not). */
  finished: boolean;
}

/** The one channel progress events travel on (IPC channel name, the bridge's SSE event name). */
export const PROGRESS_CHANNEL = 'pointkeeper:progress';

export type ProgressListener = (event: ProgressEvent) => void;
