import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainBreaksQuery } from '../../src/main/ledger/chain';
import { createTestDb, type TestDb } from '../support/db';
import { rowHashes, wipe } from './helpers';

let db: TestDb;
let dir: string;

async function ok<T>(
  p: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>,
) {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data;
}

async function chainBreaks(): Promise<number> {
  const r = (await db.knex.from(chainBreaksQuery(db.knex).as('b')).count({ n: '*' }).first()) as {
    n: number;
  };
  return Number(r.n);
}

async function ledgerClean(): Promise<void> {
  const report = await ok(db.call('verify.ledger', {}));
  const failing = report.checks.filter((c) => !c.ok && c.name !== 'logged-writes-exist');
  expect(failing).toEqual([]);
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-restore-'));
  await ok(db.call('demo.generate', { users: 60, transactions: 3000, discrepancies: 0 }));
  // A reversal, so self-references and adjustments travel too.
  const tx = await db.knex('points_transactions').where({ type: 'bonus' }).first('id');
  await ok(db.call('points.reverse', { transactionId: tx!.id, reason: 'test reversal' }));
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('round trip: export → wipe → restore', () => {
  it('brings back every table identical row for row, chains intact, audit clean, sequences ahead', async () => {
    const before = await rowHashes(db.knex);
    const path = join(dir, 'full.ndjson.gz');
    const exported = await ok(db.call('backup.export', { scope: 'full', path }));
    await wipe(db.knex);
    const plan = await ok(db.call('backup.restore.plan', { path, mode: 'replace' }));
    expect(plan.tables.find((t) => t.table === 'points_transactions')).toMatchObject({
      inFile: exported.counts.points_transactions,
      insert: exported.counts.points_transactions,
      identical: 0,
      conflicting: 0,
    });
    const restored = await ok(db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir }));
    expect(restored.checks).toMatchObject({ users: 60, chainBreaks: 0, copyMismatches: 0 });
    expect(await rowHashes(db.knex)).toEqual(before);
    expect(await chainBreaks()).toBe(0);
    await ledgerClean();
    // Sequences moved past the restored ids: the next write gets a fresh id and chains on.
    const userId = (await db.knex('users').first('id'))!.id;
    const earned = await ok(db.call('points.earn', { userId, points: 5, description: 'after restore' }));
    expect(earned.transactionId).toBeGreaterThan(
      Math.max(...before.points_transactions!.map((h) => Number(h.split(':')[0]))),
    );
    expect(await chainBreaks()).toBe(0);
  });

  it('restoring the same file again in merge mode changes nothing and reports rows as identical', async () => {
    const path = join(dir, 'again.ndjson');
    await ok(db.call('backup.export', { scope: 'full', path }));
    const before = await rowHashes(db.knex);
    const plan = await ok(db.call('backup.restore.plan', { path, mode: 'merge' }));
    for (const t of plan.tables) expect(t).toMatchObject({ insert: 0, conflicting: 0, identical: t.inFile });
    expect(plan.balances.changed).toBe(0);
    await ok(db.call('backup.restore.apply', { path, mode: 'merge', safetyDir: dir }));
    expect(await rowHashes(db.knex)).toEqual(before);
  });
});

describe('one user backed up, then the user moved on', () => {
  let userId: number;
  let path: string;
  let atBackup: Record<string, string[]>;
  let moved: Record<string, string[]>;
  const mine = () => ({
    users: `id = ${userId}`,
    orders: 'false',
    points_rewards: 'false',
    user_points: `user_id = ${userId}`,
    points_transactions: `user_id = ${userId}`,
    user_points_redemptions: `user_id = ${userId}`,
  });

  beforeAll(async () => {
    const reward = await db.knex('points_rewards').orderBy('cost').first('id', 'cost');
    userId = (await db
      .knex('user_points')
      .where('points', '>=', reward.cost + 10)
      .orderBy('user_id')
      .first('user_id'))!.user_id;
    path = join(dir, `user-${userId}.ndjson`);
    await ok(db.call('backup.export', { scope: { userIds: [userId] }, path }));
    atBackup = await rowHashes(db.knex, mine());
    await ok(db.call('points.earn', { userId, points: 70, description: 'after the backup' }));
    await ok(
      db.call('points.redeem', {
        userId,
        points: reward.cost as number,
        rewardId: reward.id as number,
        description: 'reward after the backup',
      }),
    );
    moved = await rowHashes(db.knex, mine());
  });

  it('merge keeps what exists: the newer rows stay, nothing is lost, the balance does not move', async () => {
    const plan = await ok(db.call('backup.restore.plan', { path, mode: 'merge' }));
    const tx = plan.tables.find((t) => t.table === 'points_transactions')!;
    expect(tx).toMatchObject({ insert: 0, identical: tx.inFile, conflicting: 0, remove: 0 });
    expect(plan.tables.find((t) => t.table === 'user_points')).toMatchObject({ conflicting: 1 });
    expect(plan.balances.changed).toBe(0);
    expect(plan.problems.map((p) => p.table)).toEqual(expect.arrayContaining(['users', 'user_points']));
    await ok(db.call('backup.restore.apply', { path, mode: 'merge', safetyDir: dir }));
    expect(await rowHashes(db.knex, mine())).toEqual(moved);
  });

  it('replace, as a non-superuser admin, makes the user exactly as in the backup after a safety backup', async () => {
    const admin = await db.loginAs('admin');
    const current = (await db.knex('user_points').where({ user_id: userId }).first('points'))!;
    const plan = await ok(admin.call('backup.restore.plan', { path, mode: 'replace' }));
    expect(plan.tables.find((t) => t.table === 'points_transactions')).toMatchObject({
      remove: 2,
      insert: 0,
    });
    expect(plan.balances.shown).toEqual([
      {
        userId,
        before: current.points,
        after: expect.any(Number) as number,
        rewardsBefore: current.points,
        rewardsAfter: expect.any(Number) as number,
      },
    ]);
    const result = await ok(admin.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir }));
    expect(result.applied.points_transactions?.removed).toBeGreaterThanOrEqual(2);
    expect(result.checks).toMatchObject({ users: 1, chainBreaks: 0, copyMismatches: 0 });
    expect(await rowHashes(db.knex, mine())).toEqual(atBackup);
    expect(plan.balances.shown[0]!.after).toBe(
      (await db.knex('user_points').where({ user_id: userId }).first('points'))!.points,
    );
    // The safety backup holds the state just replaced: restoring it brings the newer rows back.
    expect(result.safetyBackup).toMatch(/pointkeeper-safety-.*\.ndjson\.gz$/);
    await ok(
      admin.call('backup.restore.apply', { path: result.safetyBackup!, mode: 'replace', safetyDir: dir }),
    );
    expect(await rowHashes(db.knex, mine())).toEqual(moved);
    await ledgerClean();
  });

  it('keeps the log append-only for everyone else, even an admin who sets the restore flag', async () => {
    const admin = await db.loginAs('admin');
    await expect(
      admin.session.knex.transaction(async (trx) => {
        await trx.raw(`SET LOCAL pointkeeper.restore_replace = 'on'`);
        await trx('points_transactions').where({ user_id: userId }).delete();
      }),
    ).rejects.toThrow(/append-only|permission denied/);
    const operator = await db.loginAs('operator');
    const r = await operator.call('backup.restore.apply', { path, mode: 'replace' });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // The restore's removal exists only inside pointkeeper_restore_write, which only admins run.
    await expect(
      operator.session.knex.raw(
        `SELECT pointkeeper_restore_write(gen_random_uuid(), 'replace', '{}'::jsonb, false)`,
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('cancelled halfway through writing: nothing is written', async () => {
    const before = await rowHashes(db.knex);
    const controller = new AbortController();
    const r = await db.dispatch(
      'backup.restore.apply',
      { path, mode: 'replace', safetyDir: dir },
      { signal: controller.signal, onProgress: (p) => p.phase?.startsWith('write') && controller.abort() },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(await rowHashes(db.knex)).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});
