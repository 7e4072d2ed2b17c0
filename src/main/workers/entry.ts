import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors';
import { backupReadJob } from '../ledger/backup/readJob';
import { startReportJob } from '../reports/job';
import { probeJob } from './probe';
import { toWorkerSchema, type FromWorker, type JobSession, type JobStarter, type ToWorker } from './protocol';

/**
 * A worker thread's entry: it runs the jobs the main process starts, one after another, feeding
 * each its messages one at a time, in order. Any throw is posted back as an error (an AppError
 * keeps its code and message; anything else is INTERNAL with its message); the job's remaining
 * input is dropped, and the thread waits for the next start.
 */
const JOBS: Record<string, JobStarter> = {
  probe: probeJob,
  report: startReportJob,
  'backup-read': backupReadJob,
};

const port = parentPort;
if (!port) throw new Error('entry.ts runs only as a worker thread.');
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** The current job failed: its remaining input is dropped until the next start. */
let jobFailed = false;
let session: JobSession | null = null;

/**
 * A job's failure: posted once, and the thread stays ready for the next job (the job's own work
 * has stopped: it threw). The main process decides whether to use the thread again.
 */
function reportFailure(error: unknown): void {
  if (jobFailed) return;
  jobFailed = true;
  session = null;
  post(
    error instanceof AppError
      ? { type: 'error', code: error.code, message: error.message }
      : {
          type: 'error',
          code: 'INTERNAL',
          message: `The worker failed: ${(error as Error)?.message ?? String(error)}`,
        },
  );
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'start') {
    jobFailed = false;
    session = null;
    const starter = JOBS[message.job];
    if (!starter) throw new AppError('INTERNAL', `The worker has no job called ${message.job}.`);
    session = await starter(message.init, {
      output: (payload, transfer) => post({ type: 'output', payload }, transfer),
      fail: reportFailure,
    });
    return;
  }
  if (jobFailed) return;
  if (!session) throw new AppError('INTERNAL', 'The worker received input before a job.');
  if (message.type === 'input') {
    const more = await session.input(message.payload);
    post({ type: 'ack', seq: message.seq, more });
  } else {
    const result = await session.end();
    session = null;
    post({ type: 'done', result });
  }
}

// Messages are handled strictly in order: each waits for the one before it.
let chain: Promise<unknown> = Promise.resolve();
port.on('message', (raw: unknown) => {
  chain = chain
    .then(() => {
      const parsed = toWorkerSchema.safeParse(raw);
      if (!parsed.success) {
        reportFailure(new AppError('INTERNAL', 'The worker received an unexpected message.'));
        port.close();
        return;
      }
      return handle(parsed.data);
    })
    .catch(reportFailure);
});
