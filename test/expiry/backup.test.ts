import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';
import { wipe } from '../backup/helpers';

/**
 * Backups carry the log with its expired rows; lots are not in the file but rebuilt by the
 * restore for the users it touched — and come back exactly as they were.
 */
let db: TestDb;
let dir: string;

async function ok<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

const lotsNow = async () => ({
  lots: (await db.knex('points_lots').orderBy('id').select('*')) as unknown[],
  uses: (await db
    .knex('points_lot_uses')
    .orderBy(['transaction_id', 'lot_id'])
    .select('transaction_id', 'lot_id', 'points')) as unknown[],
});

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-expiry-backup-'));
  await ok(db.call('demo.generate', { users: 40, transactions: 400, discrepancies: 0 }));
  const preview = await ok(db.call('expiry.preview', {}));
  await ok(db.call('expiry.run', { asOf: preview.asOf, chunkUsers: 10 }));
  // A reversal of a redeem whose lot has expired since: its points go to a returned lot.
  const redeem = (await db.knex.raw(
    `SELECT u.transaction_id AS id FROM points_lot_uses u JOIN points_transactions t ON t.id = u.transaction_id
     JOIN points_lots l ON l.id = u.lot_id
     LEFT JOIN user_points_redemptions d ON d.transaction_id = t.id
     WHERE t.type = 'redeemed' AND l.expired_by IS NOT NULL AND NOT coalesce(d.is_used, false) LIMIT 1`,
  )) as { rows: Array<{ id: number }> };
  await ok(db.call('points.reverse', { transactionId: redeem.rows[0]!.id, reason: 'returned after expiry' }));
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

it('a replace restore of a full backup rebuilds the same lots, expired rows included; verify clean', async () => {
  const before = await lotsNow();
  expect(before.lots.some((l) => (l as { source: string }).source === 'returned')).toBe(true);
  const count = async (q: PromiseLike<Array<Record<string, string | number>>>) => Number((await q)[0]!.n);
  expect(
    await count(db.knex('points_transactions').where({ type: 'expired' }).count({ n: '*' })),
  ).toBeGreaterThan(0);
  const path = join(dir, 'full.ndjson.gz');
  await ok(db.call('backup.export', { scope: 'full', path }));
  await wipe(db.knex);
  expect(await count(db.knex('points_lots').count({ n: '*' }))).toBe(0);
  await ok(db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir }));
  expect(await lotsNow()).toEqual(before);
  const report = await ok(db.call('verify.ledger', {}));
  expect(report.checks.filter((c) => !c.ok && c.name !== 'logged-writes-exist')).toEqual([]);
});
