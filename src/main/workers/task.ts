import type { Worker } from 'node:worker_threads';
import { AppError } from '../errors';
import { fromWorkerSchema, type FromWorker, type ToWorker } from './protocol';
import { returnWorker, takeWorker } from './pool';

export interface TaskOptions {
  /** Called for each output piece the job sends back, in order (else nextOutput() takes them). */
  onOutput?: (payload: unknown) => void;
  /** Input pieces sent but not yet handled before send() waits: bounds the worker's queue. */
  inFlight?: number;
  signal?: AbortSignal;
}

type Waiter = { resolve: () => void; reject: (error: Error) => void };

/**
 * One job in a worker thread of its own: the main process feeds it input pieces (at most
 * `inFlight` unhandled at once, so a fast producer cannot fill the worker's memory) and awaits its
 * result. A worker that throws, posts something unexpected or exits early rejects the pending
 * send()/finish() with a clear AppError; nothing waits forever. Transactions stay in the caller:
 * the worker only computes (and writes a file descriptor it is given).
 */
export class WorkerTask {
  private readonly worker: Worker;
  private seq = 0;
  private acked = 0;
  private wantsMore = true;
  private failure: Error | null = null;
  private result: { value: unknown } | null = null;
  private waiters: Waiter[] = [];
  private outputs: unknown[] = [];
  private readonly inFlight: number;
  private released = false;
  /** The job refused its input (VALIDATION, posted by the worker): the thread itself is sound. */
  private refused = false;

  constructor(
    private readonly job: string,
    init: unknown,
    private readonly options: TaskOptions = {},
  ) {
    this.inFlight = options.inFlight ?? 4;
    this.worker = takeWorker();
    const start: ToWorker = { type: 'start', job, init };
    this.worker.postMessage(start);
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    const cancel = () => this.fail(new AppError('CANCELLED', `The ${job} work was cancelled.`));
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
  }

  private readonly onMessage = (raw: unknown) => this.receive(raw);
  private readonly onError = (error: Error) =>
    this.fail(new AppError('INTERNAL', `The ${this.job} worker failed: ${error.message}`));
  private readonly onExit = (code: number) => {
    if (!this.result)
      this.fail(
        new AppError('INTERNAL', `The ${this.job} worker stopped before finishing (exit code ${code}).`),
      );
  };

  /** The thread running this job (a thread that ended its last job cleanly runs the next one). */
  get threadId(): number {
    return this.worker.threadId;
  }

  private receive(raw: unknown): void {
    const parsed = fromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail(new AppError('INTERNAL', `The ${this.job} worker sent an unexpected message.`));
      return;
    }
    const message: FromWorker = parsed.data;
    if (message.type === 'ack') {
      this.acked = Math.max(this.acked, message.seq);
      this.wantsMore &&= message.more;
    } else if (message.type === 'output') {
      if (this.options.onOutput) this.options.onOutput(message.payload);
      else this.outputs.push(message.payload);
    } else if (message.type === 'done') this.result = { value: message.result };
    else {
      this.refused = message.code === 'VALIDATION' && !this.failure;
      this.fail(new AppError(message.code, message.message), !this.refused);
    }
    this.wake();
  }

  private fail(error: Error, stop = true): void {
    if (this.failure || this.result) return;
    this.failure = error;
    if (stop) void this.worker.terminate();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    if (this.failure) throw this.failure;
  }

  /** Sends one input piece; false once the job has said it wants no more (stop producing). */
  async send(payload: unknown, transfer: ArrayBuffer[] = []): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (!this.wantsMore) return false;
    const message: ToWorker = { type: 'input', seq: ++this.seq, payload };
    this.worker.postMessage(message, transfer);
    await this.until(() => this.seq - this.acked < this.inFlight || this.result !== null);
    return this.wantsMore;
  }

  /**
   * The next output piece the job sent, in order, for a job that produces at its own pace (it
   * waits for the caller's send() as credit). A failure rejects it; so does a job that finished
   * without sending one more.
   */
  async nextOutput(): Promise<unknown> {
    await this.until(() => this.outputs.length > 0 || this.result !== null);
    if (this.outputs.length === 0)
      throw new AppError('INTERNAL', `The ${this.job} worker finished without its last output.`);
    return this.outputs.shift();
  }

  /** Ends the input and waits for the job's result. */
  async finish(): Promise<unknown> {
    if (this.failure) throw this.failure;
    const message: ToWorker = { type: 'end' };
    this.worker.postMessage(message);
    await this.until(() => this.result !== null);
    return this.result!.value;
  }

  /** Ends the task: a thread that finished cleanly is kept for the next job, any other is stopped. */
  async abort(): Promise<void> {
    // A refusal of bad input leaves the thread sound (the job stopped and the entry drops the rest
    // of its input): the next restore plan need not pay for a new thread.
    if (((this.result && !this.failure) || this.refused) && !this.released) {
      this.released = true;
      // Only this task's own listeners: removeAllListeners() would take Node's internal ones too.
      this.worker.off('message', this.onMessage);
      this.worker.off('error', this.onError);
      this.worker.off('exit', this.onExit);
      returnWorker(this.worker);
      return;
    }
    this.fail(new AppError('CANCELLED', `The ${this.job} work was stopped.`));
    if (!this.released) await this.worker.terminate();
  }
}

/** Runs `work` with a task and always stops its thread afterwards, whatever happened. */
export async function withWorker<T>(
  job: string,
  init: unknown,
  options: TaskOptions,
  work: (task: WorkerTask) => Promise<T>,
): Promise<T> {
  const task = new WorkerTask(job, init, options);
  try {
    return await work(task);
  } finally {
    await task.abort();
  }
}
