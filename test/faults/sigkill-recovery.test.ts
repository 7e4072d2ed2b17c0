import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_USERS } from '../../src/main/ledger/recovery/plan';
import { createTestDb, type TestDb } from '../support/db';
import { uncleanUsers } from '../support/ledgerCheck';
import { syncAndKill } from '../support/killAfterChunk';

const USERS = 100_000;
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  const demo = await db.call('demo.generate', { users: USERS, transactions: 3 * USERS, discrepancies: 0 });
  if (!demo.ok) throw new Error(demo.error.message);
  // Damage spread over every chunk, set-based and behind the ledger's back.
  await db.knex.raw('UPDATE user_points SET points = points + 7 WHERE user_id % 3 = 0');
  await db.knex.raw('UPDATE user_points SET total_earned = total_earned + 1 WHERE user_id % 7 = 0');
  // The legacy copy lowered, not raised: one raised above the balance is quarantined
  // (test/recovery-quarantine.test.ts), and this test is about every user ending clean.
  await db.knex.raw('UPDATE users SET rewards = rewards - 2 WHERE id % 5 = 0 AND rewards >= 2');
  await db.knex.raw('DELETE FROM user_points WHERE user_id % 11 = 0');
}, 600_000);
afterAll(() => db.close());

describe('SIGKILL in the middle of a 100,000-user sync', () => {
  it('leaves whole chunks applied and the rest untouched; a rerun finishes with every user clean', async () => {
    const broken = await uncleanUsers(db.knex);
    expect(broken.length).toBeGreaterThan(USERS / 3);
    const runId = randomUUID();
    const seen = await syncAndKill(db.connection, runId, 3);

    // Consistent: the run row says how many chunks committed, and exactly the users of those
    // chunks are clean; every other user is as broken as before. No half chunk. A chunk holds the
    // next DEFAULT_CHUNK_USERS users to change, in id order. Two sessions apply chunks side by
    // side, so the kill may land after chunk k+1 committed but before chunk k did: the committed
    // ones are the first chunks_done, or those with one hole just before the last.
    const run = await db.knex('recovery_runs').where({ id: runId }).first();
    expect(run).toMatchObject({
      status: 'running',
      chunks_total: Math.ceil(broken.length / DEFAULT_CHUNK_USERS),
    });
    expect(run.chunks_done).toBeGreaterThanOrEqual(seen);
    expect(run.chunks_done).toBeLessThan(run.chunks_total);
    const stillBroken = new Set(await uncleanUsers(db.knex));
    const committed: number[] = [];
    for (let i = 0; i < run.chunks_total; i++) {
      const chunk = broken.slice(i * DEFAULT_CHUNK_USERS, (i + 1) * DEFAULT_CHUNK_USERS);
      const clean = chunk.filter((id) => !stillBroken.has(id)).length;
      expect([0, chunk.length], `users repaired in chunk ${i}`).toContain(clean);
      if (clean > 0) committed.push(i);
    }
    expect(committed).toHaveLength(run.chunks_done);
    expect(committed.every((i) => i <= run.chunks_done)).toBe(true);
    const chunkOf = (j: number) => Math.floor(j / DEFAULT_CHUNK_USERS);
    expect([...stillBroken]).toEqual(broken.filter((_, j) => !committed.includes(chunkOf(j))));

    // The rerun: a new preview covers only what is left, and its apply finishes.
    const plan = await db.call('recovery.plan', { action: 'sync', scope: 'all', limit: 0 });
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.data.totals.usersChanged).toBe(stillBroken.size);
    const done = await db.call('recovery.apply', {
      action: 'sync',
      scope: 'all',
      fingerprint: plan.data.fingerprint,
    });
    expect(done).toMatchObject({ ok: true, data: { status: 'done' } });
    expect(await uncleanUsers(db.knex)).toEqual([]);
    const verified = await db.call('verify.ledger', {});
    expect(verified).toMatchObject({ ok: true, data: { ok: true } });
  }, 600_000);
});
