import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

/**
 * Migration 300 builds lots for existing history: set-based FIFO for users without reversals
 * whose balance never went below zero, row by row for the rest. The set-based build must give
 * exactly the lots and uses the row-by-row rebuild (and the live trigger) give.
 */
let db: TestDb;
let nextUser = 9_300_000;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

const snapshot = async (userId: number) => ({
  lots: (await db.knex('points_lots').where({ user_id: userId }).orderBy('id').select('*')) as unknown[],
  uses: (await db
    .knex('points_lot_uses')
    .where({ user_id: userId })
    .orderBy(['transaction_id', 'lot_id'])
    .select('transaction_id', 'lot_id', 'points')) as unknown[],
});

const clear = async (userId: number) => {
  await db.knex('points_lot_uses').where({ user_id: userId }).delete();
  await db.knex('points_lots').where({ user_id: userId }).delete();
};

const step = fc.oneof(
  fc.record({
    credit: fc.integer({ min: 1, max: 200 }),
    type: fc.constantFrom('earned', 'signup', 'first_order'),
  }),
  fc.record({ debit: fc.integer({ min: 1, max: 250 }) }),
);

it('the set-based FIFO build equals the live lots and the row-by-row rebuild', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      const userId = nextUser++;
      await db.knex('users').insert({ id: userId, email: `m${userId}@example.test`, name: 'Migration' });
      for (const s of steps) {
        if ('credit' in s)
          await db.knex.raw(`SELECT pointkeeper_earn(?, ?, 'm', ?)`, [userId, s.credit, s.type]);
        else
          await db.knex
            .raw(`SELECT pointkeeper_redeem(?, ?, 'm')`, [userId, s.debit])
            .catch((e: { code?: string }) => {
              if (e.code !== 'PK402') throw e;
            });
      }
      const live = await snapshot(userId);
      await clear(userId);
      await db.knex.raw('SELECT pointkeeper__lots_build_fifo(ARRAY[?]::int[])', [userId]);
      expect(await snapshot(userId)).toEqual(live);
      await clear(userId);
      await db.knex.raw('SELECT pointkeeper__lots_rebuild(ARRAY[?]::int[])', [userId]);
      expect(await snapshot(userId)).toEqual(live);
    }),
    { numRuns: 40 },
  );
}, 240_000);

it('refuses the FIFO build once a policy makes lots expire (spending order is then not age)', async () => {
  await db.call('expiry.setPolicy', { type: 'bonus', days: 30 });
  await expect(db.knex.raw('SELECT pointkeeper__lots_build_fifo(ARRAY[1]::int[])')).rejects.toMatchObject({
    code: 'PK409',
  });
});

it('migrating a database with history builds the lots the live trigger built, and says so', async () => {
  const migration = await import('../../migrations/20261202_300_expiry');
  const fresh = await createTestDb();
  try {
    await fresh.knex.raw(
      `INSERT INTO users (id, email, name) SELECT i, 'h' || i || '@example.test', 'H' || i FROM generate_series(1, 6) i`,
    );
    for (let u = 1; u <= 6; u++) {
      await fresh.knex.raw(`SELECT pointkeeper_earn(?, 100, 'a', 'earned')`, [u]);
      await fresh.knex.raw(`SELECT pointkeeper_earn(?, 60, 'b', 'signup')`, [u]);
      await fresh.knex.raw(`SELECT pointkeeper_redeem(?, ?, 'r')`, [u, 20 * u]);
    }
    // Users 2 and 5 take the row-by-row path: a reversed redeem, a reversed credit.
    const tx = async (u: number, type: string) =>
      ((await fresh.knex('points_transactions').where({ user_id: u, type }).first('id')) as { id: number })
        .id;
    await fresh.knex.raw(`SELECT pointkeeper_reverse(?, 'undo redeem')`, [await tx(2, 'redeemed')]);
    await fresh.knex.raw(`SELECT pointkeeper_reverse(?, 'undo signup')`, [await tx(5, 'signup')]);
    const lots = () => fresh.knex('points_lots').orderBy('id').select('id', 'remaining', 'expires_at');
    const uses = () =>
      fresh
        .knex('points_lot_uses')
        .orderBy(['transaction_id', 'lot_id'])
        .select('transaction_id', 'lot_id', 'points');
    const before = { lots: await lots(), uses: await uses() };
    expect(before.lots.length).toBe(12);
    await migration.down(fresh.knex);
    const said: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void said.push(args.join(' '));
    try {
      await migration.up(fresh.knex);
    } finally {
      console.error = original;
    }
    expect(said.join('')).toMatch(/built 12 points lots from the existing history, first in first out/);
    expect({ lots: await lots(), uses: await uses() }).toEqual(before);
  } finally {
    await fresh.close();
  }
}, 120_000);
