import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestorePlan } from '../../src/shared/contract/backup';
import { createTestDb, type TestDb } from '../support/db';

/**
 * The preview is a promise: every user's user_points.points and users.rewards after a restore
 * are exactly what the preview said (or unchanged when it did not list them). Checked over
 * random activity, random copy damage in the database, random scopes and both modes.
 */
let db: TestDb;
let dir: string;
let baseline: string;
let users: number[];

async function ok<T>(
  p: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>,
): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data;
}

interface Copies {
  points: number | null;
  rewards: number;
}

async function copies(): Promise<Map<number, Copies>> {
  const rows = (await db
    .knex('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .select('u.id', 'up.points', 'u.rewards')) as Array<{
    id: number;
    points: number | null;
    rewards: number;
  }>;
  return new Map(rows.map((r) => [r.id, { points: r.points, rewards: r.rewards }]));
}

/** Damage a person could find in a database: a surplus, a shortfall, a missing row, a legacy copy off. */
const DAMAGE = {
  surplus: `UPDATE user_points SET points = points + 100, total_earned = total_earned + 100 WHERE user_id = ?`,
  shortfall: `UPDATE user_points SET points = greatest(points - 50, 0) WHERE user_id = ?`,
  missingRow: `DELETE FROM user_points WHERE user_id = ?`,
  legacyAbove: `UPDATE users SET rewards = rewards + 50 WHERE id = ?`,
} as const;

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-property-'));
  await ok(db.call('demo.generate', { users: 12, transactions: 200, discrepancies: 0 }));
  users = (await db.knex('users').orderBy('id').pluck('id')) as number[];
  baseline = join(dir, 'baseline.ndjson');
  await ok(db.call('backup.export', { scope: 'full', path: baseline }));
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const expectedAfter = (plan: RestorePlan, before: Map<number, Copies>) => {
  const out = new Map(before);
  for (const b of plan.balances.shown) out.set(b.userId, { points: b.after, rewards: b.rewardsAfter });
  return out;
};

describe('restore preview = result (property)', () => {
  it('for random ledgers and random merge/replace restores, every copy ends as previewed', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ user: fc.nat(11), points: fc.integer({ min: 1, max: 400 }), redeem: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.option(fc.uniqueArray(fc.nat(11), { minLength: 1, maxLength: 4 }), { nil: undefined }),
        fc.array(
          fc.record({
            user: fc.nat(11),
            kind: fc.constantFrom(...(Object.keys(DAMAGE) as Array<keyof typeof DAMAGE>)),
          }),
          {
            maxLength: 4,
          },
        ),
        fc.constantFrom('merge', 'replace' as const),
        async (activity, scopeIdx, damage, mode) => {
          run++;
          // From the baseline, the ledger moves on; the file taken then is restored onto the
          // baseline again (so a merge has rows to insert), after the database's copies were damaged.
          await ok(db.call('backup.restore.apply', { path: baseline, mode: 'replace', safetyDir: dir }));
          for (const a of activity) {
            const userId = users[a.user]!;
            const input = { userId, points: a.points, description: `property ${run}` };
            await db.call(a.redeem ? 'points.redeem' : 'points.earn', input);
          }
          const later = join(dir, `later-${run}.ndjson`);
          const scope = scopeIdx ? { userIds: scopeIdx.map((i) => users[i]!) } : ('full' as const);
          await ok(db.call('backup.export', { scope, path: later }));
          await ok(db.call('backup.restore.apply', { path: baseline, mode: 'replace', safetyDir: dir }));
          for (const d of damage) await db.knex.raw(DAMAGE[d.kind], [users[d.user]!]);

          const before = await copies();
          const planned = await db.call('backup.restore.plan', { path: later, mode });
          if (!planned.ok) {
            // The only refusal a merge may give here: a copy the database already holds below its
            // log would go negative. Nothing may have changed.
            expect(planned.error.code).toBe('VALIDATION');
            expect(await copies()).toEqual(before);
            return;
          }
          const result = await ok(db.call('backup.restore.apply', { path: later, mode, safetyDir: dir }));
          expect(result.balances).toEqual(planned.data.balances);
          expect(await copies()).toEqual(expectedAfter(planned.data, before));
          expect(result.checks.chainBreaks).toBe(0);
          const report = await ok(db.call('verify.ledger', {}));
          const failing = report.checks.filter((c) => !c.ok).map((c) => c.name);
          // Chains and log balances always verify; copies may still carry the damage made
          // above, which a restore leaves for recovery to decide (a replace of the user fixes it).
          expect(failing).not.toContain('chains-verify');
          expect(failing).not.toContain('log-balances-not-negative');
          expect(failing).not.toContain('stored-balances-not-negative');
          if (damage.length === 0) expect(failing.filter((f) => f !== 'logged-writes-exist')).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('merge on users whose copies disagree with their log', () => {
  it('moves each copy by the rows it inserts: a stored surplus stays for recovery to decide', async () => {
    await ok(db.call('backup.restore.apply', { path: baseline, mode: 'replace', safetyDir: dir }));
    const [a, b, c] = [users[0]!, users[1]!, users[2]!];
    for (const userId of [a, b, c])
      await ok(db.call('points.earn', { userId, points: 30, description: 'later' }));
    const later = join(dir, 'later-disagree.ndjson');
    await ok(db.call('backup.export', { scope: { userIds: [a, b, c] }, path: later }));
    await ok(db.call('backup.restore.apply', { path: baseline, mode: 'replace', safetyDir: dir }));
    await db.knex.raw(DAMAGE.surplus, [a]);
    await db.knex.raw(DAMAGE.legacyAbove, [b]);
    await db.knex.raw(DAMAGE.missingRow, [c]);
    const before = await copies();
    const plan = await ok(db.call('backup.restore.plan', { path: later, mode: 'merge' }));
    const byUser = new Map(plan.balances.shown.map((s) => [s.userId, s]));
    expect(byUser.get(a)).toMatchObject({
      before: before.get(a)!.points,
      after: before.get(a)!.points! + 30,
    });
    expect(byUser.get(b)).toMatchObject({
      rewardsBefore: before.get(b)!.rewards,
      rewardsAfter: before.get(b)!.rewards + 30,
    });
    const logC = Number(
      (await db.knex('points_transactions').where({ user_id: c }).sum({ s: 'points' }).first())!.s,
    );
    expect(byUser.get(c)).toMatchObject({
      before: 0,
      after: logC + 30,
      rewardsAfter: before.get(c)!.rewards + 30,
    });
    await ok(db.call('backup.restore.apply', { path: later, mode: 'merge', safetyDir: dir }));
    expect(await copies()).toEqual(expectedAfter(plan, before));
    // The surplus of 100 on user a is still there, unexplained, for recover to keep or sync to drop.
    const logA = Number(
      (await db.knex('points_transactions').where({ user_id: a }).sum({ s: 'points' }).first())!.s,
    );
    expect((await copies()).get(a)!.points).toBe(logA + 100);
  });
});
