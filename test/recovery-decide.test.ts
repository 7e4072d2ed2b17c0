import { describe, expect, it } from 'vitest';
import { decide } from '../src/main/ledger/recovery/decide';
import type { UserState } from '../src/main/ledger/recovery/state';

const base: UserState = {
  userId: 1,
  rewards: 450,
  hasRow: true,
  points: 450,
  totalEarned: 450,
  totalRedeemed: 0,
  lastEarnedAt: '2026-12-01T10:00:00.000000Z',
  logCount: 3,
  logSum: 450,
  logEarned: 450,
  logRedeemed: 0,
  logLastEarnedAt: '2026-12-01T10:00:00.000000Z',
  evidence: [],
};

/** One state per decision the plan can make. */
const STATES: UserState[] = [
  { ...base, points: 1_457 }, // stored above the log
  { ...base, points: 12, rewards: 12 }, // stored below the log
  { ...base, hasRow: false, points: null, totalEarned: null, totalRedeemed: null, lastEarnedAt: null },
  { ...base, logSum: -40 },
  { ...base, totalEarned: 453 },
  { ...base, rewards: 9_999 }, // legacy copy above both
  { ...base, evidence: [{ kind: 'altered', transactionId: 7, detail: 'The chain says so.' }] },
];

describe('a decision without its words (users the plan counts but does not list)', () => {
  it('is the same decision, changes and transactions, with an empty reason', () => {
    for (const action of ['sync', 'recover'] as const) {
      for (const state of STATES) {
        const listed = decide(action, state);
        const counted = decide(action, state, false);
        expect(listed.reason).not.toBe('');
        expect(counted).toEqual({ ...listed, reason: '' });
      }
    }
  });
});
