import type { JobProgress } from '../../shared/contract/backup';
import type { WorkProgress } from '../ledger/backup/export';
import type { CallContext } from './types';

interface Job {
  progress: JobProgress;
  controller: AbortController;
  started: number;
}

/**
 * Long calls by the caller's id: what backup.cancel aborts, and the latest progress for a caller
 * that joins late (backup.progress). Followers get progress pushed (see events.ts), not from here.
 */
const jobs = new Map<string, Job>();
const KEEP_FINISHED_MS = 60_000;

export interface RunningJob {
  signal: AbortSignal;
  report(p: WorkProgress): void;
  finish(): void;
}

/**
 * Tracks a long call: its progress (rows, rate, estimate) for backup.progress and the CLI's bar,
 * and a signal that either the caller's own (Ctrl-C, a closed window) or backup.cancel aborts.
 */
export function startJob(jobId: string | undefined, ctx: CallContext): RunningJob {
  const controller = new AbortController();
  const started = performance.now();
  const job: Job = {
    controller,
    started,
    progress: {
      jobId: jobId ?? '',
      phase: 'starting',
      rows: 0,
      totalRows: null,
      rowsPerSecond: 0,
      etaSeconds: null,
      done: false,
    },
  };
  if (jobId) jobs.set(jobId, job);
  return {
    signal: AbortSignal.any([ctx.signal, controller.signal]),
    report(p) {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0.2 ? p.rows / seconds : 0;
      const left = p.totalRows === null ? null : Math.max(p.totalRows - p.rows, 0);
      job.progress = {
        ...job.progress,
        phase: p.phase,
        rows: p.rows,
        totalRows: p.totalRows,
        rowsPerSecond: Math.round(rate),
        etaSeconds: left === null || rate === 0 ? null : Math.round(left / rate),
      };
      ctx.progress({ done: p.rows, total: p.totalRows, phase: p.phase, message: 'rows' });
    },
    finish() {
      job.progress = { ...job.progress, done: true };
      if (jobId) setTimeout(() => jobs.get(jobId) === job && jobs.delete(jobId), KEEP_FINISHED_MS).unref();
    },
  };
}

export const jobProgress = (jobId: string): JobProgress | null => jobs.get(jobId)?.progress ?? null;

export function cancelJob(jobId: string): boolean {
  const job = jobs.get(jobId);
  if (!job || job.progress.done) return false;
  job.controller.abort(new Error('cancelled'));
  return true;
}

/** Runs `work` as a tracked job, marking it finished however it ends. */
export async function runJob<T>(
  jobId: string | undefined,
  ctx: CallContext,
  work: (job: RunningJob) => Promise<T>,
): Promise<T> {
  const job = startJob(jobId, ctx);
  try {
    return await work(job);
  } finally {
    job.finish();
  }
}
