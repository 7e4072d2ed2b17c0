import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, type CallName } from '../src/shared/contract';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let nextUser = 1_000_000;

/** A fresh customer, inserted the way the shop would (the console never creates customers). */
async function newUser(): Promise<number> {
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `u${id}@example.test`, name: `Test User ${id}` });
  return id;
}

async function balances(userId: number) {
  const log = await db.knex('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first();
  const up = await db.knex('user_points').where({ user_id: userId }).first();
  const user = await db.knex('users').where({ id: userId }).first('rewards');
  return {
    log: Number(log?.s ?? 0),
    stored: up?.points as number | undefined,
    legacy: user?.rewards as number,
  };
}

async function unwrap<T>(
  p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>,
): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

beforeAll(async () => {
  db = await createTestDb();
  await unwrap(db.call('demo.generate', { users: 20, transactions: 200, discrepancies: 0 }));
});
afterAll(() => db.close());

describe('points.earn and points.redeem', () => {
  it('answer with the spec response and keep log, user_points and users.rewards equal', async () => {
    const userId = await newUser();
    const earned = await unwrap(
      db.call('points.earn', { userId, points: 150, description: 'Order completion bonus' }),
    );
    expect(earned).toMatchObject({
      success: true,
      pointsEarned: 150,
      currentPoints: 150,
      message: 'Successfully earned 150 points! Your new total is 150 points.',
    });
    const redeemed = await unwrap(
      db.call('points.redeem', { userId, points: 50, description: 'Free delivery reward' }),
    );
    expect(redeemed).toMatchObject({
      success: true,
      pointsRedeemed: 50,
      currentPoints: 100,
      message: 'Successfully redeemed 50 points! Your new total is 100 points.',
    });
    expect(await balances(userId)).toEqual({ log: 100, stored: 100, legacy: 100 });
    const up = await db.knex('user_points').where({ user_id: userId }).first();
    expect(up).toMatchObject({ total_earned: 150, total_redeemed: 50 });
    expect(up!.last_earned_at).toBeInstanceOf(Date);
  });

  it('refuses an unknown user with NOT_FOUND and writes nothing', async () => {
    const before = await db.knex('points_transactions').count({ n: '*' }).first();
    const r = await db.call('points.earn', { userId: 987_654, points: 10, description: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await db.knex('user_points').where({ user_id: 987_654 }).first()).toBeUndefined();
    expect(await db.knex('points_transactions').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses a redeem beyond the balance, naming the balance and the shortfall', async () => {
    const userId = await newUser();
    await unwrap(db.call('points.earn', { userId, points: 40, description: 'seed' }));
    const r = await db.call('points.redeem', { userId, points: 50, description: 'too much' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_POINTS', details: { balance: 40, required: 50, shortfall: 10 } },
    });
    if (!r.ok) expect(r.error.message).toMatch(/balance is 40.*short by 10/);
    expect(await balances(userId)).toEqual({ log: 40, stored: 40, legacy: 40 });
  });

  it('checks a named reward: exists, active, costs what is redeemed; records the redemption', async () => {
    const userId = await newUser();
    await unwrap(db.call('points.earn', { userId, points: 1000, description: 'seed' }));
    const reward = (await db.knex('points_rewards').where({ active: true }).first())!;
    const wrong = await db.call('points.redeem', {
      userId,
      points: reward.cost + 1,
      rewardId: reward.id,
      description: 'x',
    });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const missing = await db.call('points.redeem', {
      userId,
      points: 10,
      rewardId: 999_999,
      description: 'x',
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const ok = await unwrap(
      db.call('points.redeem', {
        userId,
        points: reward.cost,
        rewardId: reward.id,
        description: reward.name,
      }),
    );
    const row = await db.knex('user_points_redemptions').where({ id: ok.redemptionId! }).first();
    expect(row).toMatchObject({
      transaction_id: ok.transactionId,
      points_spent: reward.cost,
      is_used: false,
    });
    const days = (row.expires_at.getTime() - row.created_at.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(reward.validity_days);
    const used = await unwrap(db.call('redemptions.markUsed', { redemptionId: ok.redemptionId! }));
    expect(used.status).toBe('used');
    expect(await db.call('redemptions.markUsed', { redemptionId: ok.redemptionId! })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });
});

describe('concurrency', () => {
  it('50 concurrent redeems of 10 on a balance of 100: exactly 10 succeed', async () => {
    const userId = await newUser();
    await unwrap(db.call('points.earn', { userId, points: 100, description: 'seed' }));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => db.call('points.redeem', { userId, points: 10, description: 'race' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_POINTS' } });
    expect(await balances(userId)).toEqual({ log: 0, stored: 0, legacy: 0 });
  });

  it('200 concurrent earns lose no update', async () => {
    const userId = await newUser();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        db.call('points.earn', { userId, points: 1 + (i % 7), description: `e${i}` }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const expected = Array.from({ length: 200 }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b, 0);
    expect(await balances(userId)).toEqual({ log: expected, stored: expected, legacy: expected });
    const up = await db.knex('user_points').where({ user_id: userId }).first();
    expect(up!.total_earned).toBe(expected);
  });

  it('20 concurrent calls with one idempotency key write one row and answer alike', async () => {
    const userId = await newUser();
    const key = `test-key-${userId}`;
    const input = { userId, points: 25, description: 'Order bonus', idempotencyKey: key };
    const results = await Promise.all(Array.from({ length: 20 }, () => db.call('points.earn', input)));
    const data = results.map((r) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.data;
    });
    expect(new Set(data.map((d) => d.transactionId)).size).toBe(1);
    expect(data.filter((d) => !d.replayed)).toHaveLength(1);
    for (const d of data) expect(d.currentPoints).toBe(25);
    expect(
      await db.knex('points_transactions').where({ idempotency_key: key }).count({ n: '*' }).first(),
    ).toEqual({ n: 1 });
    expect(await balances(userId)).toEqual({ log: 25, stored: 25, legacy: 25 });
    const conflict = await db.call('points.earn', { ...input, points: 26 });
    expect(conflict).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });
});

describe('points.reverse', () => {
  it('cancels a transaction once with a linked adjustment', async () => {
    const userId = await newUser();
    const e = await unwrap(db.call('points.earn', { userId, points: 80, description: 'seed' }));
    const r = await unwrap(
      db.call('points.reverse', { transactionId: e.transactionId, reason: 'duplicate order' }),
    );
    expect(r).toMatchObject({ reversedTransactionId: e.transactionId, pointsChange: -80, currentPoints: 0 });
    const row = await db.knex('points_transactions').where({ id: r.transactionId }).first();
    expect(row).toMatchObject({ type: 'adjustment', points: -80, reverses_id: e.transactionId });
    expect(
      await db.call('points.reverse', { transactionId: e.transactionId, reason: 'again' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(
      await db.call('points.reverse', { transactionId: r.transactionId, reason: 'undo undo' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await balances(userId)).toEqual({ log: 0, stored: 0, legacy: 0 });
  });

  it('refuses to reverse a credit that was already spent', async () => {
    const userId = await newUser();
    const e = await unwrap(db.call('points.earn', { userId, points: 100, description: 'seed' }));
    await unwrap(db.call('points.redeem', { userId, points: 60, description: 'spent' }));
    const r = await db.call('points.reverse', { transactionId: e.transactionId, reason: 'mistake' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_POINTS' } });
    if (!r.ok) expect(r.error.message).toMatch(/already spent/);
    expect(await balances(userId)).toEqual({ log: 40, stored: 40, legacy: 40 });
  });

  it('gives back a redemption and cancels its reward', async () => {
    const userId = await newUser();
    await unwrap(db.call('points.earn', { userId, points: 1000, description: 'seed' }));
    const reward = (await db.knex('points_rewards').where({ active: true }).first())!;
    const d = await unwrap(
      db.call('points.redeem', { userId, points: reward.cost, rewardId: reward.id, description: 'x' }),
    );
    await unwrap(
      db.call('points.reverse', { transactionId: d.transactionId, reason: 'customer changed mind' }),
    );
    const list = await unwrap(db.call('redemptions.list', { userId }));
    expect(list.map((x) => x.status)).toEqual(['cancelled']);
    expect(await balances(userId)).toEqual({ log: 1000, stored: 1000, legacy: 1000 });
  });
});

describe('points.history', () => {
  it('pages newest first by keyset and filters by type', async () => {
    const userId = await newUser();
    for (let i = 0; i < 12; i++)
      await unwrap(db.call('points.earn', { userId, points: 10 + i, description: `e${i}` }));
    await unwrap(db.call('points.redeem', { userId, points: 5, description: 'r' }));
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: number }>; nextCursor: string | null } = await unwrap(
        db.call('points.history', { userId, limit: 5, cursor }),
      );
      ids.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = await db
      .knex('points_transactions')
      .where({ user_id: userId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .pluck('id');
    expect(ids).toEqual(expected);
    const debits = await unwrap(db.call('points.history', { userId, types: ['redeemed'] }));
    expect(debits.items.map((i) => i.points)).toEqual([-5]);
  });

  it('says of each row why the ledger would refuse to reverse it, and reversing agrees', async () => {
    const userId = await newUser();
    const big = await unwrap(db.call('points.earn', { userId, points: 100, description: 'big' }));
    const small = await unwrap(db.call('points.earn', { userId, points: 30, description: 'small' }));
    const spend = await unwrap(db.call('points.redeem', { userId, points: 90, description: 'spend' }));
    const undo = await unwrap(
      db.call('points.reverse', { transactionId: small.transactionId, reason: 'dup' }),
    );
    const page = await unwrap(db.call('points.history', { userId }));
    const why = Object.fromEntries(page.items.map((i) => [i.id, i.notReversible]));
    expect(why[big.transactionId]).toBe('Its 100 pts were already spent (balance 10 pts).');
    expect(why[small.transactionId]).toBe(`Already reversed by transaction ${undo.transactionId}.`);
    expect(why[undo.transactionId]).toBe(`It is the reversal of transaction ${small.transactionId}.`);
    expect(why[spend.transactionId]).toBeNull();
    const refused = await db.call('points.reverse', { transactionId: big.transactionId, reason: 'try' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_POINTS' } });
    await unwrap(db.call('points.reverse', { transactionId: spend.transactionId, reason: 'gave back' }));
  });
});

describe('roles', () => {
  it('an auditor gets FORBIDDEN from the registry, and the database refuses the bypass', async () => {
    const userId = await newUser();
    const { call, session } = await db.loginAs('auditor');
    const r = await call('points.earn', { userId, points: 10, description: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await expect(
      session.knex.transaction(async (trx) => {
        await trx('user_points').insert({ user_id: userId, points: 10, total_earned: 10 });
      }),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(session.knex('users').where({ id: userId }).update({ rewards: 10 })).rejects.toMatchObject({
      code: '42501',
    });
    expect(await balances(userId)).toEqual({ log: 0, stored: undefined, legacy: 0 });
  });

  it('an operator login earns and redeems; every write is in operations_log under that login', async () => {
    const userId = await newUser();
    const { call, login } = await db.loginAs('operator');
    await unwrap(call('points.earn', { userId, points: 30, description: 'op' }));
    await unwrap(call('points.redeem', { userId, points: 10, description: 'op' }));
    const logged = await db
      .knex('operations_log')
      .where({ actor: login })
      .orderBy('id')
      .select('action', 'outcome');
    expect(logged).toEqual([
      { action: 'points.earn', outcome: 'ok' },
      { action: 'points.redeem', outcome: 'ok' },
    ]);
    const rows = await db.knex('points_transactions').where({ user_id: userId }).pluck('created_by');
    expect(rows).toEqual([login, login]);
    const page = await unwrap(
      db.call('operations.list', { actor: login, actionPrefix: 'points.', limit: 1 }),
    );
    expect(page.items.map((e) => [e.action, e.outcome])).toEqual([['points.redeem', 'ok']]);
    const next = await unwrap(
      db.call('operations.list', { actor: login, limit: 1, cursor: page.nextCursor }),
    );
    expect(next.items[0]).toMatchObject({ action: 'points.earn', input: { userId, points: 30 } });
  });
});

describe('bad input changes nothing (property-based)', () => {
  const WRITE_CALLS = [
    'points.earn',
    'points.redeem',
    'points.reverse',
    'points.history',
    'redemptions.list',
    'redemptions.markUsed',
    'rewards.list',
  ] as const satisfies readonly CallName[];
  const badValue = fc.oneof(
    fc.constant(null),
    fc.constant(-1),
    fc.constant(0),
    fc.constant(10_001),
    fc.constant(1.5),
    fc.constant(Number.NaN),
    fc.constant(''),
    fc.constant('1; DROP TABLE users; --'),
    fc.string(),
    fc.array(fc.integer()),
    fc.object(),
  );

  it('each call answers VALIDATION for inputs its schema refuses, and the database is unchanged', async () => {
    const snapshot = async () =>
      db.knex
        .raw(`SELECT (SELECT count(*) FROM points_transactions) AS t, (SELECT coalesce(sum(points),0) FROM user_points) AS p,
                          (SELECT count(*) FROM user_points_redemptions) AS r,
                          (SELECT count(*) FROM operations_log WHERE error_code IS DISTINCT FROM 'VALIDATION') AS l`);
    const before = (await snapshot()).rows;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WRITE_CALLS),
        fc.oneof(
          fc.record(
            {
              userId: badValue,
              points: badValue,
              description: badValue,
              transactionId: badValue,
              reason: badValue,
              redemptionId: badValue,
            },
            { requiredKeys: [] },
          ),
          fc.record({
            userId: fc.constant(1),
            points: fc.constant(10),
            description: fc.constant('ok'),
            surprise: badValue,
          }),
          badValue,
        ),
        async (name, input) => {
          fc.pre(!contract[name].input.safeParse(input).success);
          const r = await db.dispatch(name, input);
          expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
        },
      ),
      { numRuns: 300 },
    );
    // Nothing changed but the refusals written to the operations log.
    expect((await snapshot()).rows).toEqual(before);
  });
});
