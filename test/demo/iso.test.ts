import { expect, it } from 'vitest';
import { iso } from '../../src/main/demo/rows';

it('formats a moment exactly as Date.toISOString does, across days, years and leap days', () => {
  const moments = [
    0,
    Date.parse('2024-02-29T23:59:59.999Z'),
    Date.parse('2024-03-01T00:00:00.000Z'),
    Date.parse('2025-12-31T23:59:59.999Z'),
    Date.parse('2026-01-01T00:00:00.000Z'),
    Date.parse('2026-12-01T00:00:00.000Z') - 1,
  ];
  // Deterministic spread over the demo's two years of history, millisecond precision.
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    moments.push(Date.parse('2024-01-01T00:00:00Z') + Math.floor((x / 2 ** 31) * 3 * 365 * 86_400_000));
  }
  for (const ms of moments) expect(iso(ms)).toBe(new Date(ms).toISOString());
});
