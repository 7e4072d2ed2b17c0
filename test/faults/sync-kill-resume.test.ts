import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPrivileges, dropRolesOf } from '../../migrations/privileges';
import { handlers } from '../../src/main/api/handlers/index';
import { createDispatcher } from '../../src/main/api/registry';
import { createKnex } from '../../src/main/db/knex';
import { openSession, type Session } from '../../src/main/db/session';
import { createTestDb, type TestDb } from '../support/db';
import { uncleanUsers } from '../support/ledgerCheck';
import { syncAndKill } from '../support/killAfterChunk';

/**
 * Issue 20: sync --all SIGKILLed while a chunk is in flight, then previewed and applied again,
 * ends exactly where one uninterrupted sync of the same data ends. Two databases hold the same
 * damaged data (the second a copy of the first); one is synced without a break, the other is
 * killed and resumed, and every stored copy and the log are compared.
 */
const USERS = 30_000;
let killed: TestDb;
let twin: { name: string; session: Session };

beforeAll(async () => {
  killed = await createTestDb();
  const demo = await killed.call('demo.generate', {
    users: USERS,
    transactions: 3 * USERS,
    discrepancies: 0,
  });
  if (!demo.ok) throw new Error(demo.error.message);
  // Damage in every chunk: balances, lifetime totals, legacy copies, missing rows.
  await killed.knex.raw('UPDATE user_points SET points = points + 7 WHERE user_id % 3 = 0');
  await killed.knex.raw('UPDATE user_points SET total_earned = total_earned + 1 WHERE user_id % 7 = 0');
  await killed.knex.raw('UPDATE users SET rewards = rewards - 2 WHERE id % 5 = 0 AND rewards >= 2');
  await killed.knex.raw('DELETE FROM user_points WHERE user_id % 11 = 0');
  // The twin: a copy of the damaged database (CREATE DATABASE … TEMPLATE wants it idle).
  const name = `pk_t_${randomBytes(5).toString('hex')}`;
  const root = createKnex({ ...killed.connection, database: 'postgres' }, 1);
  try {
    await root.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?', [
      killed.connection.database,
    ]);
    await root.raw(`CREATE DATABASE ${name} TEMPLATE ${killed.connection.database}`);
  } finally {
    await root.destroy();
  }
  const connection = { ...killed.connection, database: name };
  const adopt = createKnex(connection, 1);
  await applyPrivileges(adopt).finally(() => adopt.destroy());
  twin = { name, session: await openSession({ kind: 'server', connection }) };
}, 600_000);

afterAll(async () => {
  await twin?.session.close();
  const root = createKnex({ ...killed.connection, database: 'postgres' }, 1);
  if (twin) {
    await root.raw(`DROP DATABASE IF EXISTS ${twin.name} WITH (FORCE)`);
    await dropRolesOf(root, twin.name);
  }
  await root.destroy();
  await killed.close();
});

async function sync(session: Session): Promise<void> {
  const call = createDispatcher(handlers, () => session);
  const plan = await call('recovery.plan', { action: 'sync', scope: 'all', limit: 0 });
  if (!plan.ok) throw new Error(plan.error.message);
  const fingerprint = (plan.data as { fingerprint: string }).fingerprint;
  const run = await call('recovery.apply', { action: 'sync', scope: 'all', fingerprint });
  expect(run).toMatchObject({ ok: true, data: { status: 'done' } });
}

/** Everything sync may change, and the log it must not, in a comparable form. */
async function endState(knex: Knex): Promise<unknown> {
  const [users, points, log] = await Promise.all([
    knex('users').orderBy('id').select('id', 'rewards'),
    knex('user_points')
      .orderBy('user_id')
      .select('user_id', 'points', 'total_earned', 'total_redeemed', 'last_earned_at'),
    knex('points_transactions').first(
      knex.raw('count(*)::int AS n'),
      knex.raw('sum(points)::bigint AS s'),
      knex.raw('max(id) AS last'),
    ),
  ]);
  return { users, points, log };
}

describe('sync --all killed mid-chunk', () => {
  it('resumes to exactly the end state of an uninterrupted run', async () => {
    const broken = await uncleanUsers(killed.knex);
    expect(broken.length).toBeGreaterThan(USERS / 3);

    await sync(twin.session);
    const reference = await endState(twin.session.knex);
    expect(await uncleanUsers(twin.session.knex)).toEqual([]);

    const runId = randomUUID();
    const seen = await syncAndKill(killed.connection, runId, 1);
    const run = await killed.knex('recovery_runs').where({ id: runId }).first();
    expect(run.status).toBe('running');
    expect(run.chunks_done).toBeGreaterThanOrEqual(seen);
    expect(run.chunks_done).toBeLessThan(run.chunks_total);
    // Half done: the end state differs from the reference until the resume.
    const partial = await uncleanUsers(killed.knex);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(broken.length);
    expect(await endState(killed.knex)).not.toEqual(reference);

    await sync(killed.session);
    expect(await uncleanUsers(killed.knex)).toEqual([]);
    expect(await endState(killed.knex)).toEqual(reference);
  }, 600_000);
});
