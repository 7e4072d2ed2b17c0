import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDate,
  formatDuration,
  formatPoints,
  formatSignedCount,
  formatSignedPoints,
  plural,
} from './format';

describe('formatPoints and friends: one way to write a number of points', () => {
  it('groups thousands and names the unit', () => {
    expect(formatPoints(2559)).toBe('2,559 pts');
    expect(formatPoints(0)).toBe('0 pts');
    expect(formatPoints(1_000_000)).toBe('1,000,000 pts');
  });
  it('writes negatives with a real minus sign, never a hyphen', () => {
    expect(formatPoints(-1500)).toBe('\u22121,500 pts');
    expect(formatCount(-6441)).toBe('\u22126,441');
  });
  it('signs changes, and zero is neither credit nor debit', () => {
    expect(formatSignedPoints(1500)).toBe('+1,500 pts');
    expect(formatSignedPoints(-1500)).toBe('\u22121,500 pts');
    expect(formatSignedPoints(0)).toBe('±0 pts');
    expect(formatSignedCount(5000)).toBe('+5,000');
    expect(formatSignedCount(0)).toBe('0');
  });
  it('counts things in words', () => {
    expect(plural(1, 'user')).toBe('1 user');
    expect(plural(1200, 'user')).toBe('1,200 users');
  });
});

describe('formatDate: local time, ISO order, never "Invalid Date"', () => {
  it('writes a moment in the local time zone', () => {
    const d = new Date(2026, 11, 2, 9, 5, 7); // local
    expect(formatDate(d)).toBe('2026-12-02 09:05');
    expect(formatDate(d, { seconds: true })).toBe('2026-12-02 09:05:07');
    expect(formatDate(d.toISOString())).toBe('2026-12-02 09:05');
  });
  it('says — for no value and returns a bad value as it came', () => {
    expect(formatDate(null)).toBe('—');
    expect(formatDate('not a date')).toBe('not a date');
  });
});

describe('formatDuration', () => {
  it('picks the unit a person reads', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_250)).toBe('4.2 s');
    expect(formatDuration(59_900)).toBe('59.9 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2 h 07 min');
  });
  it('refuses nonsense quietly', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});
