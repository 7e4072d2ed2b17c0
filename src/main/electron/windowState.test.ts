import { describe, expect, it } from 'vitest';
import { visibleOn } from './windowState';

describe('visibleOn', () => {
  const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('keeps a position on a connected screen', () => {
    expect(visibleOn({ x: 100, y: 100, width: 800, height: 600 }, screens)).toBe(true);
  });
  it('drops a position on a screen that is gone', () => {
    expect(visibleOn({ x: 2000, y: 100, width: 800, height: 600 }, screens)).toBe(false);
    expect(visibleOn({ x: -790, y: 100, width: 800, height: 600 }, screens)).toBe(false);
  });
});
