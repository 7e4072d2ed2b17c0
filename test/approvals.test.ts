import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerRole } from '../src/shared/roles';
import { createTestDb, type TestDb } from './support/db';

/**
 * Issue 17: maker-checker enforced by PostgreSQL. These tests speak SQL as real LOGIN roles, as
 * someone with psql and the login the console gave them would.
 */
let db: TestDb;
type Login = Awaited<ReturnType<TestDb['loginAs']>>;
let operator: Login;
let admin: Login;
let admin2: Login;
const userId = 7_100_001;

type Row = Record<string, unknown>;
async function one<T = Row>(login: Login | null, sql: string, bindings: Knex.RawBinding[] = []): Promise<T> {
  const knex = login ? login.session.knex : db.knex;
  const r = (await knex.raw(sql, bindings)) as { rows: T[] };
  return r.rows[0]!;
}
const balance = async () =>
  Number(
    (
      await one<{ s: string | null }>(
        null,
        'SELECT sum(points) AS s FROM points_transactions WHERE user_id = ?',
        [userId],
      )
    ).s ?? 0,
  );
const state = async (id: string) =>
  (await one<{ state: string }>(null, 'SELECT state FROM approval_requests WHERE id = ?', [id])).state;

async function requestEarn(login: Login, points: number, description = 'Goodwill credit'): Promise<string> {
  const r = await one<{ r: { id: string; state: string } }>(
    login,
    `SELECT pointkeeper_approval_request('earn', ?::jsonb, 'customer complaint #42') AS r`,
    [JSON.stringify({ userId, points, description })],
  );
  expect(r.r.state).toBe('pending');
  return r.r.id;
}

beforeAll(async () => {
  db = await createTestDb();
  await db.knex('users').insert({ id: userId, email: 'approvals@example.test', name: 'Approvals Target' });
  await db.knex('users').insert({ id: userId + 1, email: 'approvals2@example.test', name: 'Other' });
  operator = await db.loginAs('operator');
  admin = await db.loginAs('admin');
  admin2 = await db.loginAs('admin');
  await one(
    admin,
    `SELECT pointkeeper_policy_set('earn', true, 5000, NULL, 'admin', 72, 'four eyes above 5,000')`,
  );
});
afterAll(() => db.close());

describe('a policy: earn above 5,000 points needs approval', () => {
  it('refuses a direct pointkeeper_earn above the threshold from psql (PK403), and lets one at it through', async () => {
    await expect(
      one(operator, `SELECT pointkeeper_earn(?, 9000, 'big credit')`, [userId]),
    ).rejects.toMatchObject({
      code: 'PK403',
      message: expect.stringMatching(/needs approval/),
    });
    // An admin is no exception: the policy binds everyone.
    await expect(
      one(admin, `SELECT pointkeeper_earn(?, 5001, 'big credit')`, [userId]),
    ).rejects.toMatchObject({
      code: 'PK403',
    });
    expect(await balance()).toBe(0);
    await one(operator, `SELECT pointkeeper_earn(?, 5000, 'at the threshold')`, [userId]);
    expect(await balance()).toBe(5000);
  });

  it('the requester cannot approve their own request, even as an admin', async () => {
    const id = await requestEarn(admin, 9000);
    await expect(
      one(admin, `SELECT pointkeeper_approval_approve(?, 'looks fine')`, [id]),
    ).rejects.toMatchObject({
      code: 'PK403',
      message: expect.stringMatching(/another login must approve/),
    });
    expect(await state(id)).toBe('pending');
    await one(admin, `SELECT pointkeeper_approval_cancel(?, 'asked the wrong way')`, [id]);
    expect(await state(id)).toBe('cancelled');
  });

  it('an operator cannot approve an admin-approved kind; an admin approves and the balance moves once', async () => {
    const before = await balance();
    const id = await requestEarn(operator, 9000);
    const operator2 = await db.loginAs('operator');
    await expect(
      one(operator2, `SELECT pointkeeper_approval_approve(?, 'ok by me')`, [id]),
    ).rejects.toMatchObject({ code: 'PK403', message: expect.stringMatching(/needs the admin role/) });
    const r = await one<{ r: { state: string; applied: boolean; result: { pointsEarned: number } } }>(
      admin,
      `SELECT pointkeeper_approval_approve(?, 'checked the complaint') AS r`,
      [id],
    );
    expect(r.r).toMatchObject({ state: 'applied', applied: true, result: { pointsEarned: 9000 } });
    expect(await balance()).toBe(before + 9000);
    // Approving twice applies nothing twice.
    await expect(one(admin2, `SELECT pointkeeper_approval_approve(?, 'again')`, [id])).rejects.toMatchObject({
      code: 'PK409',
    });
    expect(await balance()).toBe(before + 9000);
    const log = (await db
      .knex('operations_log')
      .whereIn('action', ['approvals.request', 'approvals.approve', 'points.earn'])
      .whereRaw(
        `(input->>'id' = ? OR result->>'id' = ? OR (action = 'points.earn' AND (input->>'points')::int = 9000))`,
        [id, id],
      )
      .orderBy('id')
      .select('action', 'actor')) as Array<{ action: string; actor: string }>;
    expect(log).toEqual([
      { action: 'approvals.request', actor: operator.login },
      { action: 'points.earn', actor: admin.login },
      { action: 'approvals.approve', actor: admin.login },
    ]);
  });

  it("an approval whose user's balance changed since the request is refused as stale, and stays so", async () => {
    const before = await balance();
    const id = await requestEarn(operator, 6000);
    await one(operator, `SELECT pointkeeper_earn(?, 10, 'small change meanwhile')`, [userId]);
    const r = await one<{ r: { state: string; applied: boolean } }>(
      admin,
      `SELECT pointkeeper_approval_approve(?, 'fine') AS r`,
      [id],
    );
    expect(r.r).toMatchObject({ state: 'stale', applied: false });
    expect(await state(id)).toBe('stale');
    await expect(one(admin2, `SELECT pointkeeper_approval_approve(?, 'fine')`, [id])).rejects.toMatchObject({
      code: 'PK409',
    });
    expect(await balance()).toBe(before + 10);
  });

  it('a denied request can never apply', async () => {
    const before = await balance();
    const id = await requestEarn(operator, 7000);
    await one(admin, `SELECT pointkeeper_approval_deny(?, 'no evidence')`, [id]);
    expect(await state(id)).toBe('denied');
    await expect(
      one(admin2, `SELECT pointkeeper_approval_approve(?, 'overrule')`, [id]),
    ).rejects.toMatchObject({
      code: 'PK409',
    });
    await expect(
      one(operator, `SELECT pointkeeper_approval_cancel(?, 'take back')`, [id]),
    ).rejects.toMatchObject({
      code: 'PK409',
    });
    expect(await balance()).toBe(before);
  });

  it('an expired request can never apply, and is marked expired', async () => {
    const before = await balance();
    const id = await requestEarn(operator, 7000);
    // Time passes: the request's expiry moved into the past behind the functions' backs.
    await db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL session_replication_role = replica`);
      await trx.raw(`UPDATE approval_requests SET expires_at = now() - interval '1 minute' WHERE id = ?`, [
        id,
      ]);
    });
    const r = await one<{ r: { state: string } }>(
      admin,
      `SELECT pointkeeper_approval_approve(?, 'late') AS r`,
      [id],
    );
    expect(r.r.state).toBe('expired');
    expect(await state(id)).toBe('expired');
    await expect(one(admin2, `SELECT pointkeeper_approval_approve(?, 'late')`, [id])).rejects.toMatchObject({
      code: 'PK409',
    });
    expect(await balance()).toBe(before);
  });

  it('staff cannot write requests or policies but through the functions, nor forge their log entries', async () => {
    const id = await requestEarn(operator, 8000);
    await expect(
      one(
        operator,
        `UPDATE approval_requests SET state = 'approved', executing_txid = txid_current() WHERE id = ?`,
        [id],
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(one(operator, `UPDATE approval_policies SET enabled = false`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      one(operator, `SELECT pointkeeper_policy_set('earn', false, NULL, NULL, NULL, NULL, 'switch it off')`),
    ).rejects.toThrow(/permission denied/);
    await expect(
      one(operator, `SELECT pointkeeper_log_operation('approvals.approve', '{}', 'ok', NULL, NULL)`),
    ).rejects.toMatchObject({ code: 'PK403' });
    await expect(
      one(operator, `SELECT pointkeeper__approval_gate('grants.apply', 'x', 'y', 1, 1)`),
    ).rejects.toThrow(/permission denied/);
    // Even the owner's own functions cannot rewrite what was asked.
    await expect(
      db.knex.raw(
        `UPDATE approval_requests SET payload = jsonb_set(payload, '{points}', '10000') WHERE id = ?`,
        [id],
      ),
    ).rejects.toMatchObject({ code: 'PK403' });
    await expect(db.knex.raw(`DELETE FROM approval_requests WHERE id = ?`, [id])).rejects.toMatchObject({
      code: 'PK403',
    });
  });

  it('bad requests are refused with a specific error and change nothing', async () => {
    const count = async () =>
      Number((await one<{ n: string }>(null, 'SELECT count(*) AS n FROM approval_requests')).n);
    const n = await count();
    const bad = async (kind: string, payload: unknown, reason: string, code: string) =>
      expect(
        one(operator, `SELECT pointkeeper_approval_request(?, ?::jsonb, ?)`, [
          kind,
          JSON.stringify(payload),
          reason,
        ]),
      ).rejects.toMatchObject({ code });
    await bad('earn', { userId, points: 100, description: 'small' }, 'below threshold', 'PK422');
    await bad('earn', { userId, points: 10001, description: 'x' }, 'too big', 'PK422');
    await bad('earn', { userId: 999_999_999, points: 9000, description: 'x' }, 'nobody', 'PK404');
    await bad('earn', { userId, points: 9000, description: 'x' }, 'no', 'PK422');
    await bad('transfer', { userId, points: 9000 }, 'unknown kind', 'PK422');
    await bad('restore.replace', { ref: 'r1', fingerprint: 'f' }, 'operator asks admin work', 'PK403');
    expect(await count()).toBe(n);
  });
});

describe('the gate for changes applied elsewhere (grants, recovery, restore)', () => {
  it('passes without a policy, needs an approved request with the same fingerprint, and consumes it once', async () => {
    // A stand-in for an applier's definer function (17b's grants apply), as the owner makes them.
    const owner = ownerRole(db.connection.database);
    await db.knex
      .raw(`CREATE FUNCTION test_apply_grant(p_ref text, p_print text, p_points bigint, p_users bigint)
      RETURNS uuid LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      SELECT pointkeeper__approval_gate('grants.apply', p_ref, p_print, p_points, p_users) $$`);
    await db.knex.raw(`ALTER FUNCTION test_apply_grant(text, text, bigint, bigint) OWNER TO ${owner}`);
    await db.knex.raw(`GRANT EXECUTE ON FUNCTION test_apply_grant(text, text, bigint, bigint) TO PUBLIC`);
    const gate = (login: Login, ref: string, print: string) =>
      one<{ id: string | null }>(login, `SELECT test_apply_grant(?, ?, 50000, 300) AS id`, [ref, print]);

    expect((await gate(operator, 'run-1', 'f1')).id).toBeNull();
    await one(
      admin,
      `SELECT pointkeeper_policy_set('grants.apply', true, NULL, NULL, 'admin', 24, 'every grant')`,
    );
    await expect(gate(operator, 'run-1', 'f1')).rejects.toMatchObject({
      code: 'PK403',
      message: /needs approval/,
    });

    const req = await one<{ r: { id: string } }>(
      operator,
      `SELECT pointkeeper_approval_request('grants.apply', ?::jsonb, 'monthly bonus file') AS r`,
      [JSON.stringify({ ref: 'run-1', fingerprint: 'f1', points: 50000, users: 300, rows: [] })],
    );
    await expect(gate(operator, 'run-1', 'f1')).rejects.toMatchObject({
      code: 'PK403',
      message: /still waiting/,
    });
    const approved = await one<{ r: { state: string } }>(
      admin,
      `SELECT pointkeeper_approval_approve(?, 'file checked') AS r`,
      [req.r.id],
    );
    expect(approved.r.state).toBe('approved');
    await expect(gate(operator, 'run-1', 'changed')).rejects.toMatchObject({ code: 'PK409' });
    await expect(gate(admin2, 'run-1', 'f1')).rejects.toMatchObject({ code: 'PK403', message: /requester/ });
    expect((await gate(operator, 'run-1', 'f1')).id).toBe(req.r.id);
    expect(await state(req.r.id)).toBe('applied');
    await expect(gate(operator, 'run-1', 'f1')).rejects.toMatchObject({ code: 'PK403' });
  });
});

describe('through the console (registry)', () => {
  it('an earn a policy covers answers APPROVAL_PENDING with a request; the lists and the badge count follow it', async () => {
    const before = await balance();
    const asked = await operator.call('points.earn', { userId, points: 9000, description: 'Console credit' });
    expect(asked.ok).toBe(false);
    if (asked.ok) return;
    expect(asked.error).toMatchObject({
      code: 'APPROVAL_PENDING',
      message: expect.stringMatching(/waiting for approval/),
      details: { pendingApproval: true, requestId: expect.any(String) },
    });
    const id = (asked.error.details as { requestId: string }).requestId;
    expect(await balance()).toBe(before);

    const mine = await operator.call('approvals.list', { view: 'mine' });
    if (!mine.ok) throw new Error(mine.error.message);
    expect(mine.data[0]).toMatchObject({
      id,
      state: 'pending',
      canDecide: false,
      requestedBy: operator.login,
    });
    expect(mine.data[0]!.payload).toMatchObject({ userId, points: 9000, description: 'Console credit' });
    const waitingOp = await operator.call('approvals.list', { view: 'waiting' });
    expect(waitingOp.ok && waitingOp.data.some((r) => r.id === id)).toBe(false);
    const all = await operator.call('approvals.list', { view: 'all' });
    expect(all).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const count = await admin.call('approvals.waitingCount', {});
    expect(count.ok && count.data.count).toBeGreaterThanOrEqual(1);

    const own = await operator.call('approvals.approve', { id, reason: 'self' });
    expect(own).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const done = await admin.call('approvals.approve', { id, reason: 'verified' });
    expect(done).toMatchObject({ ok: true, data: { state: 'applied', applied: true } });
    expect(await balance()).toBe(before + 9000);
    const shown = await admin.call('approvals.show', { id });
    expect(shown).toMatchObject({
      ok: true,
      data: { state: 'applied', decidedBy: admin.login, canDecide: false },
    });
  });

  it('bulk approve takes one kind only and reports each outcome', async () => {
    await one(admin, `SELECT pointkeeper_policy_set('redeem', true, 100, NULL, 'admin', 72, 'big redeems')`);
    const a = await requestEarn(operator, 5500, 'bulk one');
    const b = await requestEarn(operator, 5600, 'bulk two');
    const r = (
      await one<{ r: { id: string } }>(
        operator,
        `SELECT pointkeeper_approval_request('redeem', ?::jsonb, 'big redeem') AS r`,
        [JSON.stringify({ userId, points: 200, description: 'redeem' })],
      )
    ).r.id;
    const mixed = await admin.call('approvals.approveMany', { ids: [a, r], reason: 'batch' });
    expect(mixed).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const before = await balance();
    const bulk = await admin.call('approvals.approveMany', { ids: [a, b], reason: 'batch' });
    if (!bulk.ok) throw new Error(bulk.error.message);
    // The first applies; the second was previewed before the first moved the balance: stale.
    expect(bulk.data.map((d) => d.decision?.state)).toEqual(['applied', 'stale']);
    expect(await balance()).toBe(before + 5500);
  });

  it('policies: listed for everyone, set by admins only, refused with a specific error', async () => {
    const list = await operator.call('policies.list', {});
    if (!list.ok) throw new Error(list.error.message);
    expect(list.data.map((p) => p.kind)).toEqual([
      'earn',
      'redeem',
      'recovery.apply',
      'restore.replace',
      'grants.apply',
    ]);
    expect(list.data[0]).toMatchObject({ enabled: true, pointsAbove: 5000, approverRole: 'admin' });
    expect(
      await operator.call('policies.set', { kind: 'earn', enabled: false, reason: 'turn it off' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await admin.call('policies.set', {
        kind: 'earn',
        enabled: true,
        usersAbove: 3,
        reason: 'users on earn',
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Not gated yet: switching it on is refused in words and by the database itself.
    expect(
      await admin.call('policies.set', { kind: 'restore.replace', enabled: true, reason: 'every restore' }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await expect(
      db.knex('approval_policies').where({ kind: 'recovery.apply' }).update({ enabled: true }),
    ).rejects.toThrow(/approval_policies_enforced_kinds/);
    const set = await admin.call('policies.set', {
      kind: 'grants.apply',
      enabled: true,
      reason: 'every bulk grant',
    });
    expect(set).toMatchObject({
      ok: true,
      data: { kind: 'grants.apply', enabled: true, pointsAbove: null },
    });
    const logged = await db
      .knex('operations_log')
      .where({ action: 'policies.set' })
      .orderBy('id', 'desc')
      .first();
    expect(logged).toMatchObject({ actor: admin.login, input: { kind: 'grants.apply' } });
  });
});

describe('a repeated submission', () => {
  it('waits on the same pending request instead of filing a second one', async () => {
    const payload = JSON.stringify({
      userId: userId + 1,
      points: 9500,
      description: 'retried form',
      idempotencyKey: 'form-key-123',
    });
    const first = await one<{ r: { id: string } }>(
      operator,
      `SELECT pointkeeper_approval_request('earn', ?::jsonb, 'retry one') AS r`,
      [payload],
    );
    const again = await one<{ r: { id: string; repeated: boolean } }>(
      operator,
      `SELECT pointkeeper_approval_request('earn', ?::jsonb, 'retry two') AS r`,
      [payload],
    );
    expect(again.r).toMatchObject({ id: first.r.id, repeated: true });
    const other = await one<{ r: { id: string } }>(
      admin,
      `SELECT pointkeeper_approval_request('earn', ?::jsonb, 'someone else') AS r`,
      [payload],
    );
    expect(other.r.id).not.toBe(first.r.id);
  });
});
