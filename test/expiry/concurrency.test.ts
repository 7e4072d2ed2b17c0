import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

/**
 * An expiry run while operators redeem from the same users: each chunk takes the users' locks
 * (the order every writer takes), so a point is either spent before it expired or found gone —
 * never spent after its expiry row, never expired after it was spent — and verify is clean.
 */
let db: TestDb;
const USERS = 120;
const FIRST = 9_200_001;

beforeAll(async () => {
  db = await createTestDb();
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('bonus', interval '0', now() - interval '1 day', 'test')`,
  );
  await db.knex.raw(
    `INSERT INTO users (id, email, name) SELECT i, 'c' || i || '@example.test', 'Concurrent ' || i
     FROM generate_series(?::int, ?::int) i`,
    [FIRST, FIRST + USERS - 1],
  );
  for (let u = FIRST; u < FIRST + USERS; u++) {
    await db.knex.raw(`SELECT pointkeeper_earn(?, 100, 'base', 'earned')`, [u]);
    for (let i = 0; i < 3; i++) await db.knex.raw(`SELECT pointkeeper_earn(?, 50, 'promo', 'bonus')`, [u]);
  }
});
afterAll(() => db.close());

it('expiry and redeems on the same users: nothing spent after it expired, nothing expired after it was spent, verify clean', async () => {
  const admin = await db.loginAs('admin');
  // One at a time: loginAs names each login by how many came before.
  const operators = [
    await db.loginAs('operator'),
    await db.loginAs('operator'),
    await db.loginAs('operator'),
  ];
  let redeemed = 0;
  let refused = 0;
  const clients = operators.map(async (op, c) => {
    for (let i = 0; i < 120; i++) {
      const userId = FIRST + ((i * 7 + c * 31) % USERS);
      const r = await op.call('points.redeem', {
        userId,
        points: 30 + ((i + c) % 5) * 20,
        description: 'race',
      });
      if (r.ok) redeemed += 1;
      else if (r.error.code === 'INSUFFICIENT_POINTS') refused += 1;
      else throw new Error(r.error.message);
    }
  });
  const asOf = new Date().toISOString();
  const run = admin.call('expiry.run', { asOf, chunkUsers: 7 });
  const [result] = await Promise.all([run, ...clients]);
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  expect(result.data.lots).toBeGreaterThan(0);
  expect(redeemed).toBeGreaterThan(0);

  // The two really interleaved: redeems landed between the run's first and last expiry rows.
  const between = (await db.knex.raw(
    `SELECT count(*)::int AS n FROM points_transactions WHERE type = 'redeemed' AND id BETWEEN
       (SELECT min(id) FROM points_transactions WHERE type = 'expired') AND (SELECT max(id) FROM points_transactions WHERE type = 'expired')`,
  )) as { rows: Array<{ n: number }> };
  expect(between.rows[0]!.n).toBeGreaterThan(0);
  // Spent after it expired: a debit taking from a lot after that lot's expiry row.
  const late = (await db.knex.raw(
    `SELECT u.transaction_id, u.lot_id FROM points_lot_uses u JOIN points_lots l ON l.id = u.lot_id
     WHERE l.expired_by IS NOT NULL AND u.transaction_id > l.expired_by AND u.points > 0`,
  )) as { rows: unknown[] };
  expect(late.rows).toEqual([]);
  // Expired after it was spent: an expiry row larger than what its lot still had.
  const over = (await db.knex.raw(
    `SELECT l.id FROM points_lots l JOIN points_transactions e ON e.id = l.expired_by
     WHERE -e.points <> l.points - coalesce((SELECT sum(u.points) FROM points_lot_uses u
                                             WHERE u.lot_id = l.id AND u.transaction_id < e.id), 0)`,
  )) as { rows: unknown[] };
  expect(over.rows).toEqual([]);
  // Every bonus lot is now expired or spent: none due is left open.
  const open = (await db.knex.raw(
    `SELECT count(*)::int AS n FROM points_lots WHERE credit_type = 'bonus' AND remaining > 0 AND expires_at <= ?`,
    [asOf],
  )) as { rows: Array<{ n: number }> };
  expect(open.rows[0]!.n).toBe(0);
  const verify = await db.call('verify.ledger', {});
  expect(verify.ok && verify.data.checks.filter((c) => !c.ok)).toEqual([]);
  // A second run as of the same moment finds nothing: idempotent per lot.
  const again = await admin.call('expiry.run', { asOf, chunkUsers: 7 });
  expect(again.ok && again.data.lots).toBe(0);
  expect(refused + redeemed).toBe(360);
}, 180_000);
