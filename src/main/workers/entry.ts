import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../errors';
import { startReportJob } from '../reports/job';
import { probeJob } from './probe';
import {
  toWorkerSchema,
  workerStartSchema,
  type FromWorker,
  type JobSession,
  type JobStarter,
} from './protocol';

/**
 * A worker thread's entry: it starts the job named in workerData and feeds it the main process's
 * messages one at a time, in order. Any throw is posted back as an error (an AppError keeps its
 * code and message; anything else is INTERNAL with its message) and the thread ends.
 */
const JOBS: Record<string, JobStarter> = {
  probe: probeJob,
  report: startReportJob,
};

const port = parentPort;
if (!port) throw new Error('entry.ts runs only as a worker thread.');
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function reportFailure(error: unknown): void {
  post(
    error instanceof AppError
      ? { type: 'error', code: error.code, message: error.message }
      : {
          type: 'error',
          code: 'INTERNAL',
          message: `The worker failed: ${(error as Error)?.message ?? String(error)}`,
        },
  );
  port!.close();
}

async function main(): Promise<void> {
  const start = workerStartSchema.safeParse(workerData);
  if (!start.success) throw new AppError('INTERNAL', 'The worker was started without a job.');
  const starter = JOBS[start.data.job];
  if (!starter) throw new AppError('INTERNAL', `The worker has no job called ${start.data.job}.`);
  let session: JobSession | null = null;
  const ready = Promise.resolve(
    starter(start.data.init, { output: (payload, transfer) => post({ type: 'output', payload }, transfer) }),
  ).then((s) => (session = s));
  // Messages are handled strictly in order: each waits for the one before it.
  let chain: Promise<unknown> = ready;
  port!.on('message', (raw: unknown) => {
    chain = chain
      .then(async () => {
        const parsed = toWorkerSchema.safeParse(raw);
        if (!parsed.success) throw new AppError('INTERNAL', 'The worker received an unexpected message.');
        const message = parsed.data;
        if (message.type === 'input') {
          const more = await session!.input(message.payload);
          post({ type: 'ack', seq: message.seq, more });
        } else {
          post({ type: 'done', result: await session!.end() });
          port!.close();
        }
      })
      .catch(reportFailure);
  });
  await ready;
}

main().catch(reportFailure);
