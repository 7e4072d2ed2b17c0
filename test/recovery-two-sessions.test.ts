import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../src/main/db/knex';
import { applyRecovery } from '../src/main/ledger/recovery/apply';
import { planRecovery } from '../src/main/ledger/recovery/plan';
import { createTestDb, type TestDb } from './support/db';
import { uncleanUsers } from './support/ledgerCheck';

/**
 * A recovery applies its chunks in two sessions at once (migration 710): a chunk waiting on a
 * user's lock does not hold up the chunks after it, and a chunk still counts only into a run
 * that is running when it finishes.
 */
let db: TestDb;
let other: Knex;
const ids: number[] = [];
/** Chunks of two users: eight users are four chunks. */
const chunkOf = (i: number) => ids.slice(2 * i, 2 * i + 2);

beforeAll(async () => {
  db = await createTestDb();
  other = createKnex(db.connection, 3);
  for (let i = 0; i < 8; i++) {
    const id = 910_000 + i;
    await db.knex('users').insert({ id, email: `s${id}@example.test`, name: `Two sessions ${id}` });
    const r = await db.call('points.earn', { userId: id, points: 200, description: 'order' });
    if (!r.ok) throw new Error(r.error.message);
    // A stored balance above the log: sync lowers it to the log.
    await db.knex('user_points').where({ user_id: id }).increment('points', 30);
    ids.push(id);
  }
});
afterAll(async () => {
  await other.destroy();
  await db.close();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const lockWaiters = async () =>
  (
    (await other.raw(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    )) as { rows: Array<{ n: number }> }
  ).rows[0]!.n;

/** Plans a sync of the eight users and holds the second chunk's first user, as a write would. */
async function planAndHold(): Promise<{ fingerprint: string; holder: Knex.Transaction }> {
  const scope = { userIds: ids };
  const plan = await planRecovery(db.knex, { action: 'sync', scope, limit: 100 }, { chunkSize: 2 });
  expect(plan.totals.chunks).toBe(4);
  const holder = await other.transaction();
  await holder.raw('SELECT 1 FROM user_points WHERE user_id = ? FOR UPDATE', [chunkOf(1)[0]]);
  return { fingerprint: plan.fingerprint, holder };
}

describe('a recovery applied in two sessions', () => {
  it('applies the chunks after one that waits on a lock, then finishes it', async () => {
    const { fingerprint, holder } = await planAndHold();
    const running = applyRecovery(
      db.knex,
      { action: 'sync', scope: { userIds: ids }, fingerprint },
      { chunkSize: 2 },
    );
    // One session waits on the held user; the other applies chunks 2 and 3 meanwhile.
    await until(
      'chunks 2 and 3 are applied',
      async () => (await uncleanUsers(db.knex, [...chunkOf(2), ...chunkOf(3)])).length === 0,
    );
    expect(await lockWaiters()).toBe(1);
    expect(await uncleanUsers(db.knex, chunkOf(1))).toEqual(chunkOf(1));
    await holder.rollback();
    const run = await running;
    expect(run).toMatchObject({ status: 'done', chunksDone: 4, chunksTotal: 4, usersChanged: 8 });
    expect(await uncleanUsers(db.knex, ids)).toEqual([]);
  });

  it('keeps nothing of a chunk whose run was ended while it waited', async () => {
    for (const id of ids) await db.knex('user_points').where({ user_id: id }).increment('points', 5);
    const { fingerprint, holder } = await planAndHold();
    const runId = '00000000-0000-4000-8000-000000000710';
    const running = applyRecovery(
      db.knex,
      { action: 'sync', scope: { userIds: ids }, fingerprint, runId },
      { chunkSize: 2 },
    ).then(
      () => null,
      (error: unknown) => error,
    );
    await until(
      'chunks 2 and 3 are applied',
      async () => (await uncleanUsers(db.knex, [...chunkOf(2), ...chunkOf(3)])).length === 0,
    );
    // The same login ends the run from elsewhere while chunk 1 waits: a chunk's read of its run
    // no longer blocks that, so the chunk's own count must refuse.
    await other.raw('SELECT pointkeeper_recovery_finish(?::uuid, ?)', [runId, 'cancelled']);
    await holder.rollback();
    const error = await running;
    expect(String(error)).toMatch(/ended or applied all its chunks while this chunk was written/);
    expect(await uncleanUsers(db.knex, chunkOf(1))).toEqual(chunkOf(1));
    const row = (await db.knex('recovery_runs').where({ id: runId }).first('status', 'chunks_done')) as {
      status: string;
      chunks_done: number;
    };
    expect(row).toEqual({ status: 'cancelled', chunks_done: 3 });
  });
});
