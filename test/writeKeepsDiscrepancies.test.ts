import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryPlan } from '../src/shared/contract/recovery';
import { createTestDb, type TestDb } from './support/db';
import { appendSealed } from './support/ledgerRows';

/**
 * Issue 15, item 6: a write never erases a discrepancy. Under the user's lock a missing
 * user_points row is rebuilt from the log — never from zero — and every answer uses that balance;
 * the copies move by the write's own delta, so a surplus the audit would find is still there,
 * unchanged, for recovery to decide.
 */
let db: TestDb;
let next = 8_000_000;

async function newUserWithHistory(points: number): Promise<number> {
  const id = next++;
  await db.knex('users').insert({ id, email: `keep${id}@example.test`, name: `Keep ${id}` });
  // History that exists in the log, but whose balance row is gone (as a crash or an edit left it).
  await appendSealed(db.knex, {
    user_id: id,
    type: 'earned',
    points,
    description: 'before the row was lost',
  });
  return id;
}

async function ok<T>(
  p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>,
): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

describe('a user with no user_points row', () => {
  it('earn answers with the log balance plus the credit, not the credit alone', async () => {
    const id = await newUserWithHistory(2718);
    const r = await ok(db.call('points.earn', { userId: id, points: 100, description: 'after' }));
    expect(r.currentPoints).toBe(2818);
    expect(await db.knex('user_points').where({ user_id: id }).first('points', 'total_earned')).toEqual({
      points: 2818,
      total_earned: 2818,
    });
  });

  it('redeem judges the log balance, not zero', async () => {
    const id = await newUserWithHistory(2566);
    const r = await ok(db.call('points.redeem', { userId: id, points: 2000, description: 'spend' }));
    expect(r.currentPoints).toBe(566);
  });

  it('reverse judges the log balance, not zero', async () => {
    const id = await newUserWithHistory(900);
    const credit = await appendSealed(db.knex, {
      user_id: id,
      type: 'bonus',
      points: 50,
      description: 'bonus',
    });
    const r = await ok(db.call('points.reverse', { transactionId: credit.id, reason: 'given in error' }));
    expect(r.currentPoints).toBe(900);
  });
});

describe('a legacy copy 50 above the log', () => {
  it('is still 50 above after an earn and a redeem, and the recovery plan for it is unchanged', async () => {
    const id = next++;
    await db.knex('users').insert({ id, email: `legacy${id}@example.test`, name: `Legacy ${id}` });
    await ok(db.call('points.earn', { userId: id, points: 200, description: 'first' }));
    await db.knex('users').where({ id }).increment('rewards', 50);
    const plan = async () => {
      const p = await ok(db.call('recovery.plan', { action: 'recover', scope: { userIds: [id] } }));
      return (p as RecoveryPlan).users[0]!;
    };
    // A legacy copy above both the balance and the log is quarantined for a person to decide.
    const before = await plan();
    expect(before.decision).toBe('investigate');
    await ok(db.call('points.earn', { userId: id, points: 30, description: 'second' }));
    await ok(db.call('points.redeem', { userId: id, points: 10, description: 'third' }));
    const user = await db.knex('users').where({ id }).first('rewards');
    expect(user?.rewards).toBe(200 + 30 - 10 + 50);
    const after = await plan();
    // The same decision about the same 50: only the balances moved, by the writes' own deltas.
    expect(after.decision).toBe(before.decision);
    expect(after.transactions).toEqual(before.transactions);
    const log = await db.knex('points_transactions').where({ user_id: id }).sum({ s: 'points' }).first();
    expect(user!.rewards - Number(log?.s)).toBe(50);
  });
});
