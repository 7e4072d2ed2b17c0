import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stealLine, withSteal } from '../bench/steal';

describe('the bench reports CPU time the host took', () => {
  it('as a share of all CPU time while the work ran (Linux: from /proc/stat)', async () => {
    const { result, stolen } = await withSteal(async () => {
      const until = Date.now() + 200;
      while (Date.now() < until); // some CPU time to count
      return 'done';
    });
    expect(result).toBe('done');
    if (!existsSync('/proc/stat')) return; // counted on Linux only
    expect(stolen).not.toBeNull();
    expect(stolen!).toBeGreaterThanOrEqual(0);
    expect(stolen!).toBeLessThanOrEqual(1);
  });

  it('in words per benchmark, leaving out those it could not count', () => {
    expect(stealLine({ recovery: 0.004, backup: 0.123, demo: null })).toBe('recovery 0 %, backup 12 %');
    expect(stealLine({ demo: null })).toBeNull();
  });
});
