import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../shared/progress';
import { jobIdOf, PROGRESS_INTERVAL_MS, progressEmitter } from './events';

afterEach(() => vi.useRealTimers());

describe('progressEmitter', () => {
  it('sends the first report at once, the newest of a burst after the interval, and a final one', () => {
    vi.useFakeTimers();
    let clock = 0;
    const sent: ProgressEvent[] = [];
    const emitter = progressEmitter(
      'backup.export',
      'job-12345678',
      (e) => sent.push(e),
      () => clock,
    );
    emitter.progress({ done: 0, total: 1000, phase: 'export' });
    for (let done = 100; done <= 500; done += 100) emitter.progress({ done, total: 1000 });
    expect(sent.map((e) => e.progress.done)).toEqual([0]);
    clock = 1000;
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(sent.map((e) => e.progress.done)).toEqual([0, 500]);
    // 500 rows in one second: 500/s, 500 left, about a second.
    expect(sent[1]).toMatchObject({ perSecond: 500, etaSeconds: 1, finished: false, jobId: 'job-12345678' });
    clock = 2000;
    emitter.progress({ done: 1000, total: 1000 });
    emitter.finish();
    emitter.progress({ done: 5, total: 1000 });
    vi.runAllTimers();
    expect(sent.at(-1)).toMatchObject({ call: 'backup.export', finished: true, progress: { done: 1000 } });
    expect(sent.filter((e) => e.finished)).toHaveLength(1);
    expect(sent.at(-1)!.progress.done).toBe(1000);
  });

  it('finishes with a zero report when the call never reported', () => {
    const sent: ProgressEvent[] = [];
    progressEmitter('audit.scan', null, (e) => sent.push(e)).finish();
    expect(sent).toEqual([
      {
        call: 'audit.scan',
        jobId: null,
        progress: { done: 0, total: null },
        perSecond: 0,
        etaSeconds: null,
        finished: true,
      },
    ]);
  });
});

describe('jobIdOf', () => {
  it('takes a jobId, else a runId, else none', () => {
    expect(jobIdOf({ jobId: 'abcdefgh', runId: 'x' })).toBe('abcdefgh');
    expect(jobIdOf({ runId: '7d3c' })).toBe('7d3c');
    expect(jobIdOf({ jobId: 12 })).toBeNull();
    expect(jobIdOf(null)).toBeNull();
  });
});
