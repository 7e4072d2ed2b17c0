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
