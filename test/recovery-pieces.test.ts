import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRecovery } from '../src/main/ledger/recovery/apply';
import { planRecovery } from '../src/main/ledger/recovery/plan';
import { createTestDb, type TestDb } from './support/db';
import { uncleanUsers } from './support/ledgerCheck';

/**
 * The preview reads its scope a few hundred users at a time (so its memory stays flat as the
 * users to change grow), while apply's chunks stay whole: a chunk whose users arrive over
 * several reads, and a read that spans two chunks, must plan exactly the chunks and state
 * hashes apply's recheck computes, or apply refuses the plan.
 */
let db: TestDb;
let broken: number[];

beforeAll(async () => {
  db = await createTestDb();
  const demo = await db.call('demo.generate', { users: 700, transactions: 2_800, discrepancies: 0, seed: 7 });
  if (!demo.ok) throw new Error(demo.error.message);
  // 600 users whose stored balance disagrees with their log.
  await db.knex.raw('UPDATE user_points SET points = points + 7 WHERE user_id % 7 <> 0');
  broken = await uncleanUsers(db.knex);
}, 120_000);
afterAll(() => db?.close());

describe('a preview of more users than one read', () => {
  it('plans whole chunks in id order and applies them, leaving every user clean', async () => {
    expect(broken).toHaveLength(600);
    const request = { action: 'sync' as const, scope: 'all' as const };
    const plan = await planRecovery(db.knex, { ...request, limit: 0 }, { chunkSize: 400 });
    expect(plan.totals).toMatchObject({ usersChanged: 600, chunks: 2 });
    const chunks = (await db
      .knex('recovery_plan_chunks')
      .where({ fingerprint: plan.fingerprint })
      .orderBy('chunk')
      .pluck('user_ids')) as number[][];
    expect(chunks).toEqual([broken.slice(0, 400), broken.slice(400)]);

    const run = await applyRecovery(db.knex, { ...request, fingerprint: plan.fingerprint });
    expect(run).toMatchObject({ status: 'done', chunksDone: 2, usersChanged: 600 });
    expect(await uncleanUsers(db.knex)).toEqual([]);
  });

  it('is written only through the preview, and a stored chunk altered afterwards is refused', async () => {
    await db.knex.raw('UPDATE user_points SET points = points + 3 WHERE user_id <= 300');
    const request = { action: 'sync' as const, scope: 'all' as const };
    const plan = await planRecovery(db.knex, { ...request, limit: 0 }, { chunkSize: 200 });
    // A staff login with psql, an admin included, cannot edit the stored plan directly.
    const admin = (await db.loginAs('admin')).session.knex;
    await expect(
      admin.raw('UPDATE recovery_plan_chunks SET user_ids = ? WHERE fingerprint = ?', [
        [1],
        plan.fingerprint,
      ]),
    ).rejects.toThrow(/permission denied for table recovery_plan_chunks/);
    // Altered behind the application's back (a superuser here), the plan no longer matches its
    // fingerprint: apply writes nothing.
    await db.knex.raw(
      'UPDATE recovery_plan_chunks SET user_ids = user_ids[2:] WHERE fingerprint = ? AND chunk = 0',
      [plan.fingerprint],
    );
    await expect(applyRecovery(db.knex, { ...request, fingerprint: plan.fingerprint })).rejects.toThrow(
      /The plan changed since the preview/,
    );
    expect(await uncleanUsers(db.knex)).toHaveLength(300);
  });
});
