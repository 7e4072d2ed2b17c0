import { Worker } from 'node:worker_threads';
import { workerEntry } from './location';

/**
 * Threads kept between jobs: starting one costs a fresh V8 isolate and loading the entry's modules
 * (from source, tsx compiles them again: about a second on this machine), far more than a report.
 * A thread goes back here only after a job that ended cleanly; a failed one is terminated. Idle
 * threads are unref'd so they never keep a process alive, and leave after IDLE_MS.
 */
const MAX_IDLE = 2;
const IDLE_MS = 60_000;
/**
 * A thread's heap for new objects. V8's default lets it grow to tens of MB, kept while the thread
 * waits in the pool: a restore's reader then held ~30 MB through the safety backup and the write
 * (with the batches handed back too, see stage.ts: peak 267 → 237 MB restoring 100,000 rows). The
 * jobs make short-lived garbage by the batch, so a small space costs them frequent, cheap
 * collections.
 */
const YOUNG_GENERATION_MB = 6;
const idle: Array<{ worker: Worker; timer: NodeJS.Timeout; onExit: () => void }> = [];

export function takeWorker(): Worker {
  const kept = idle.pop();
  if (kept) {
    clearTimeout(kept.timer);
    // Its idle-time listener goes with it: a thread reused by every export gathered one per job.
    kept.worker.off('exit', kept.onExit);
    kept.worker.ref();
    return kept.worker;
  }
  return new Worker(workerEntry(), { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
}

export function returnWorker(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  // A thread that dies while idle is simply dropped.
  const onExit = () => {
    const at = idle.indexOf(entry);
    if (at !== -1) idle.splice(at, 1);
    clearTimeout(entry.timer);
  };
  const entry = {
    worker,
    timer: setTimeout(() => {
      idle.splice(idle.indexOf(entry), 1);
      void worker.terminate();
    }, IDLE_MS).unref(),
    onExit,
  };
  worker.once('exit', onExit);
  idle.push(entry);
}
