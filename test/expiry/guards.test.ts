import { afterAll, beforeAll, expect, it } from 'vitest';
import { lotDiscrepancies } from '../../src/main/ledger/expiry/check';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('bonus', interval '0', now() - interval '1 day', 'test')`,
  );
  await db.knex.raw(
    `INSERT INTO users (id, email, name) VALUES (1, 'a@example.test', 'A'), (2, 'b@example.test', 'B')`,
  );
  for (const u of [1, 2]) await db.knex.raw(`SELECT pointkeeper_earn(?, 100, 'promo', 'bonus')`, [u]);
  await db.knex.raw(`SELECT pointkeeper_redeem(1, 30, 'voucher')`);
});
afterAll(() => db.close());

it('never takes a balance below zero: lots above the log are left for a person, the others expire', async () => {
  // Damage user 1's lots behind the ledger's back: they now hold 100, the log 70.
  await db.knex.raw(`UPDATE points_lots SET remaining = points WHERE user_id = 1`);
  expect((await lotDiscrepancies(db.knex, 1)).map((d) => d.kind)).toContain('lot_totals_mismatch');
  const r = await db.call('expiry.run', { asOf: new Date().toISOString(), chunkUsers: 10 });
  expect(r).toMatchObject({ ok: true, data: { lots: 1, points: 100 } });
  const sums = (await db.knex.raw(
    `SELECT user_id, sum(points)::int AS s FROM points_transactions GROUP BY user_id ORDER BY user_id`,
  )) as { rows: Array<{ user_id: number; s: number }> };
  expect(sums.rows).toEqual([
    { user_id: 1, s: 70 },
    { user_id: 2, s: 0 },
  ]);
  // Recovery: a rebuild from the log puts user 1's lots right, and the next run expires them.
  const rebuilt = await db.call('expiry.rebuild', { userIds: [1] });
  expect(rebuilt.ok).toBe(true);
  // What is left: the lot the finished run could not expire is reported as missing its expiry.
  expect((await lotDiscrepancies(db.knex, 1)).map((d) => d.kind)).toEqual(['expiry_missing']);
  const again = await db.call('expiry.run', { asOf: new Date().toISOString(), chunkUsers: 10 });
  expect(again).toMatchObject({ ok: true, data: { lots: 1, points: 70 } });
  expect(await lotDiscrepancies(db.knex, null)).toEqual([]);
});

it('refuses an expired row that does not take exactly what remains of an open lot, whoever inserts it', async () => {
  await db.knex.raw(`SELECT pointkeeper_earn(2, 50, 'promo', 'bonus')`);
  const lot = (await db.knex('points_lots').where({ user_id: 2, remaining: 50 }).first('id')) as {
    id: number;
  };
  await expect(
    db.knex.raw(
      `INSERT INTO points_transactions (user_id, type, points, description, expires_lot_id) VALUES (2, 'expired', -20, 'x', ?)`,
      [lot.id],
    ),
  ).rejects.toMatchObject({ code: 'PK409' });
  // And an admin cannot expire ahead of time.
  const early = await db.call('expiry.run', { asOf: '2999-01-01T00:00:00Z', chunkUsers: 10 });
  expect(early).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
});
