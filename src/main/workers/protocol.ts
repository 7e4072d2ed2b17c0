import { z } from 'zod';
import { ERROR_CODES } from '../../shared/result';

/**
 * The messages between the main process and a worker thread. Both sides validate what they
 * receive: a message from a worker that broke (or a job posting the wrong thing) becomes a clear
 * error, never a silently wrong file.
 */

/** Main → worker: a job to start (which, and its own start-up input), a piece of its input, its end. */
export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), job: z.string().min(1), init: z.unknown() }),
  z.object({ type: z.literal('input'), seq: z.number().int(), payload: z.unknown() }),
  z.object({ type: z.literal('end') }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

/** Worker → main: an input piece handled (and whether more is wanted), output, the end, a failure. */
export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), seq: z.number().int(), more: z.boolean() }),
  z.object({ type: z.literal('output'), payload: z.unknown() }),
  z.object({ type: z.literal('done'), result: z.unknown() }),
  z.object({ type: z.literal('error'), code: z.enum(ERROR_CODES), message: z.string() }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;

/** A job's body inside the worker: started once, fed input pieces in order, then ended. */
export interface JobSession {
  /** Handles one input piece; false when the job wants no more (a PDF's row limit reached). */
  input(payload: unknown): Promise<boolean> | boolean;
  /** No more input: finish and return the result (structured-cloneable). */
  end(): Promise<unknown> | unknown;
}

/** What a job may send back while it runs (converted bytes, for example). */
export interface JobOutput {
  output(payload: unknown, transfer?: ArrayBuffer[]): void;
  /** A failure outside input()/end() (work the job does at its own pace): posted, and the thread ends. */
  fail(error: unknown): void;
}

export type JobStarter = (init: unknown, out: JobOutput) => Promise<JobSession> | JobSession;
