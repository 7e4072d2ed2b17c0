import { describe, expect, it } from 'vitest';
import { mergePoints, scaleFigures, type ScalePoint } from '../bench/scale';

/** A --scale run of some operations refreshes their curves and keeps the others', dated. */
const point = (operation: ScalePoint['operation'], size: number, value: number, at?: string) => ({
  operation,
  size,
  value,
  unit: 's' as const,
  peakMb: 100 + size / 1e5,
  detail: '',
  ...(at === undefined ? {} : { at }),
});

describe('a scale run of some operations', () => {
  const earlier = [
    point('sync', 100_000, 1),
    point('sync', 10_000_000, 150),
    point('restore', 100_000, 20, '2026-12-01T10:00:00.000Z'),
    point('restore', 10_000_000, 1500),
  ];
  const fresh = [
    { ...point('sync', 100_000, 0.9), at: '2026-12-03T20:00:00.000Z' },
    { ...point('sync', 10_000_000, 87), at: '2026-12-03T20:05:00.000Z' },
  ];
  const merged = mergePoints(fresh, earlier, '2026-12-02T22:06:06.458Z');

  it("replaces the measured operation's points and keeps the others with their dates", () => {
    expect(merged.filter((p) => p.operation === 'sync').map((p) => p.value)).toEqual([0.9, 87]);
    expect(merged.filter((p) => p.operation === 'restore').map((p) => [p.value, p.at])).toEqual([
      [20, '2026-12-01T10:00:00.000Z'],
      [1500, '2026-12-02T22:06:06.458Z'],
    ]);
  });

  it('computes each curve from its own points only', () => {
    const sync = scaleFigures(merged).find((r) => r.name.startsWith('sync: time'));
    // 87 s per 10M is 8.7 s per million, against 9 s per million at 100k.
    expect(sync).toMatchObject({ value: 8.7, reference: 9 });
  });
});
