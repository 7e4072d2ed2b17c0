import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

/**
 * A demo's history (credits, then batches of redeems, set-based) gets lots whose FIFO agrees
 * with the log; its policies leave lots due, which one run expires with the ledger still clean.
 */
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  const r = await db.call('demo.generate', { users: 150, transactions: 1500, discrepancies: 0 });
  if (!r.ok) throw new Error(r.error.message);
});
afterAll(() => db.close());

const failing = async () => {
  const v = await db.call('verify.ledger', {});
  if (!v.ok) throw new Error(v.error.message);
  return v.data.checks.filter((c) => !c.ok).map((c) => c.name);
};

it('demo lots agree with the log, and an expiry run of what is due leaves verify clean', async () => {
  expect(await failing()).toEqual([]);
  const preview = await db.call('expiry.preview', {});
  expect(preview.ok && preview.data.lots).toBeGreaterThan(0);
  if (!preview.ok) return;
  const run = await db.call('expiry.run', { asOf: preview.data.asOf, chunkUsers: 40 });
  expect(run).toMatchObject({ ok: true, data: { lots: preview.data.lots, points: preview.data.points } });
  expect(await failing()).toEqual([]);
  const again = await db.call('expiry.preview', { asOf: preview.data.asOf });
  expect(again.ok && again.data.lots).toBe(0);
});

it('a demo added after a policy changed gives each credit the policy in force when it was made', async () => {
  // Earned points made from June 2026 on expire after 30 days; those made before, after 12 months.
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('earned', interval '30 days', '2026-06-01T00:00:00Z', 'test')`,
  );
  const r = await db.call('demo.generate', { users: 100, transactions: 1000, discrepancies: 0, seed: 7 });
  if (!r.ok) throw new Error(r.error.message);
  const { rows } = (await db.knex.raw(
    `SELECT (l.created_at >= '2026-06-01T00:00:00Z') AS after_change,
            CASE l.expires_at WHEN l.created_at + interval '30 days' THEN '30 days'
                              WHEN l.created_at + interval '12 months' THEN '12 months' ELSE 'other' END AS term,
            count(*)::int AS n
     FROM points_lots l
     WHERE l.user_id BETWEEN ? AND ? AND l.credit_type = 'earned'
     GROUP BY 1, 2 ORDER BY 1`,
    [r.data.firstUserId, r.data.lastUserId],
  )) as { rows: Array<{ after_change: boolean; term: string; n: number }> };
  expect(rows.map((x) => [x.after_change, x.term])).toEqual([
    [false, '12 months'],
    [true, '30 days'],
  ]);
  // The short term left lots due; once a run has expired them, verify.ledger (which checks every
  // lot against the log) is clean.
  const preview = await db.call('expiry.preview', {});
  if (!preview.ok) throw new Error(preview.error.message);
  expect(await db.call('expiry.run', { asOf: preview.data.asOf, chunkUsers: 40 })).toMatchObject({
    ok: true,
  });
  expect(await failing()).toEqual([]);
});
