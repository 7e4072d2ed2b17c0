import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import { createKnex } from '../src/main/db/knex';
import { applyRecovery } from '../src/main/ledger/recovery/apply';
import { planRecovery } from '../src/main/ledger/recovery/plan';
import type { RecoveryPlan } from '../src/shared/contract';
import { createTestDb, type TestDb } from './support/db';
import { uncleanUsers } from './support/ledgerCheck';

/**
 * A recovery whose server session is terminated mid-apply (pg_terminate_backend, as an
 * administrator or a failover would): the message says what happened and how far it got, the
 * operations log has the outcome, and a new preview and apply finishes the rest.
 */
let db: TestDb;
let other: Knex;
let dispatch: Dispatcher;
const ids: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  other = createKnex(db.connection, 2);
  // Chunks of two users, so six users are three chunks (the contract's calls use 5,000).
  dispatch = createDispatcher(
    {
      ...handlers,
      'recovery.plan': (ctx, input) => planRecovery(ctx.db, input, { chunkSize: 2 }),
      'recovery.apply': (ctx, input) => applyRecovery(ctx.db, input, { chunkSize: 2 }),
    },
    () => db.session,
  );
  for (let i = 0; i < 6; i++) {
    const id = 900_000 + i;
    await db.knex('users').insert({ id, email: `t${id}@example.test`, name: `Interrupted ${id}` });
    const r = await db.call('points.earn', { userId: id, points: 300, description: 'order' });
    if (!r.ok) throw new Error(r.error.message);
    // A stored balance below the log: recover raises it.
    await db.knex('user_points').where({ user_id: id }).decrement('points', 50);
    ids.push(id);
  }
});
afterAll(async () => {
  await other.destroy();
  await db.close();
});

async function waitForLockWaiter(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const r = (await other.raw(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
       AND pid <> pg_backend_pid()`,
    )) as { rows: Array<{ pid: number }> };
    if (r.rows[0]) return r.rows[0].pid;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the recovery never waited on the held lock');
}

describe('a recovery whose session the server terminates mid-apply', () => {
  it('says so, with the chunks committed, logs the outcome, and resumes', async () => {
    const scope = { userIds: ids };
    const planned = await dispatch('recovery.plan', { action: 'recover', scope });
    if (!planned.ok) throw new Error(planned.error.message);
    const plan = planned.data as RecoveryPlan;
    expect(plan.totals.chunks).toBe(3);

    // The third chunk's first user is held by another transaction: the run waits there, after
    // two chunks committed, and its backend is terminated while it waits.
    const holder = await other.transaction();
    await holder.raw('SELECT 1 FROM user_points WHERE user_id = ? FOR UPDATE', [ids[4]]);
    const running = dispatch('recovery.apply', { action: 'recover', scope, fingerprint: plan.fingerprint });
    const pid = await waitForLockWaiter();
    await other.raw('SELECT pg_terminate_backend(?)', [pid]);
    const r = await running;
    await holder.rollback();

    expect(r).toMatchObject({ ok: false, error: { code: 'DB_UNAVAILABLE' } });
    if (r.ok) return;
    expect(r.error.message).toMatch(
      /^The server ended this recovery's session: .*terminated by an administrator/,
    );
    expect(r.error.message).toMatch(/2 of 3 chunks were committed and are consistent/);
    expect(r.error.message).toMatch(/preview the same action and scope again and apply it/);
    expect(r.error.message).not.toMatch(/Cannot reach|Check that the server is running/);
    expect(await uncleanUsers(db.knex, ids)).toEqual([ids[4], ids[5]]);

    const logged = (await other('operations_log')
      .where({ action: 'recovery.apply', outcome: 'error', error_code: 'DB_UNAVAILABLE' })
      .first('result')) as { result: { message: string; details: { chunksDone: number } } } | undefined;
    expect(logged?.result.message).toMatch(/2 of 3 chunks were committed/);
    expect(logged?.result.details.chunksDone).toBe(2);

    const again = await dispatch('recovery.plan', { action: 'recover', scope });
    if (!again.ok) throw new Error(again.error.message);
    expect((again.data as RecoveryPlan).totals.usersChanged).toBe(2);
    const finished = await dispatch('recovery.apply', {
      action: 'recover',
      scope,
      fingerprint: (again.data as RecoveryPlan).fingerprint,
    });
    expect(finished).toMatchObject({ ok: true, data: { status: 'done', usersChanged: 2 } });
    expect(await uncleanUsers(db.knex, ids)).toEqual([]);
  });
});
