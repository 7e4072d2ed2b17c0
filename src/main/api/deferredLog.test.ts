import { describe, expect, it } from 'vitest';
import { deferredCount, flushDeferred, logOrDefer } from './deferredLog';

describe('operations-log entries that could not be written at once', () => {
  it('wait for the next connection and are written then, oldest first', async () => {
    const written: string[] = [];
    let up = false;
    const entry = (name: string) => () => {
      if (!up) return Promise.reject(new Error('Connection terminated unexpectedly'));
      written.push(name);
      return Promise.resolve();
    };
    await logOrDefer(entry('first'));
    await logOrDefer(entry('second'));
    expect(deferredCount()).toBe(2);
    await flushDeferred();
    expect(written).toEqual([]);
    expect(deferredCount()).toBe(2);
    up = true;
    await flushDeferred();
    expect(written).toEqual(['first', 'second']);
    expect(deferredCount()).toBe(0);
    await logOrDefer(entry('third'));
    expect(written).toEqual(['first', 'second', 'third']);
  });
});
