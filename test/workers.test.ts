import { describe, expect, it } from 'vitest';
import { WorkerTask, withWorker } from '../src/main/workers/task';

/** A worker's failure must come back as an error the caller can show, never as a hang. */
describe('worker threads', () => {
  it('run a job: input pieces in, one result out', async () => {
    const sum = await withWorker('probe', { failAt: 'never' }, { inFlight: 2 }, async (task) => {
      for (let i = 1; i <= 100; i++) await task.send(i);
      return task.finish();
    });
    expect(sum).toEqual({ sum: 5050 });
  });

  it('bad input: the job’s own error, code and message', async () => {
    const task = new WorkerTask('probe', { failAt: 'never' });
    await task.send('not a number').catch(() => undefined);
    await expect(task.finish()).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'The probe job sums numbers only.',
    });
    await task.abort();
  });

  it('bad start-up input is refused with its reason', async () => {
    const task = new WorkerTask('probe', { failAt: 'sometimes' });
    await expect(task.finish()).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'The probe job needs failAt.',
    });
  });

  it('a throw inside the job comes back as INTERNAL with its message', async () => {
    await expect(
      withWorker('probe', { failAt: 'end' }, {}, async (task) => {
        await task.send(1);
        return task.finish();
      }),
    ).rejects.toMatchObject({ code: 'INTERNAL', message: 'The worker failed: probe failed at end' });
    await expect(withWorker('probe', { failAt: 'start' }, {}, (task) => task.finish())).rejects.toMatchObject(
      {
        code: 'INTERNAL',
        message: 'The worker failed: probe failed at start',
      },
    );
  });

  it('a refusal while the producer is waiting rejects the waiting send', async () => {
    const task = new WorkerTask('probe', { failAt: 'input' }, { inFlight: 1 });
    await expect(task.send(1)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'probe refused its input',
    });
    await expect(task.send(2)).rejects.toMatchObject({ code: 'VALIDATION' });
    await task.abort();
  });

  it('a thread that dies without a word is reported, not waited for', async () => {
    const task = new WorkerTask('probe', { failAt: 'crash' }, { inFlight: 1 });
    await expect(task.send(1)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'The probe worker stopped before finishing (exit code 3).',
    });
  });

  it('an unknown job is an error', async () => {
    const task = new WorkerTask('no-such-job', null);
    await expect(task.finish()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'The worker has no job called no-such-job.',
    });
  });

  it('keeps a thread whose job ended cleanly for the next job, and never one that failed', async () => {
    const first = new WorkerTask('probe', { failAt: 'never' });
    await first.send(1);
    await first.finish();
    await first.abort();
    const second = new WorkerTask('probe', { failAt: 'end' });
    expect(second.threadId).toBe(first.threadId);
    await expect(second.finish()).rejects.toMatchObject({ code: 'INTERNAL' });
    await second.abort();
    const third = new WorkerTask('probe', { failAt: 'never' });
    expect(third.threadId).not.toBe(second.threadId);
    expect(await third.finish()).toEqual({ sum: 0 });
    await third.abort();
  });

  it('keeps a thread after a refusal of bad input: the next job runs on it, from a clean start', async () => {
    const refused = new WorkerTask('probe', { failAt: 'never' }, { inFlight: 1 });
    await expect(refused.send('not a number')).rejects.toMatchObject({ code: 'VALIDATION' });
    await refused.abort();
    const next = new WorkerTask('probe', { failAt: 'never' });
    expect(next.threadId).toBe(refused.threadId);
    await next.send(2);
    expect(await next.finish()).toEqual({ sum: 2 });
    await next.abort();
  });
});
