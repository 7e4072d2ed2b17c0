import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryAction, RecoveryDecision, RecoveryPlan } from '../src/shared/contract';
import { appendSealed } from './support/ledgerRows';
import { applyRecovery } from '../src/main/ledger/recovery/apply';
import { planRecovery } from '../src/main/ledger/recovery/plan';
import { createTestDb, type TestDb } from './support/db';
import { ledgerSnapshot, storedCopies, uncleanUsers } from './support/ledgerCheck';

let db: TestDb;
let nextUser = 500_000;

async function unwrap<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

/** A customer with a real history through the ledger: +300, −80, so the log says 220. */
async function customer(): Promise<number> {
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `r${id}@example.test`, name: `Recovery ${id}` });
  await unwrap(db.call('points.earn', { userId: id, points: 300, description: 'order' }));
  await unwrap(db.call('points.redeem', { userId: id, points: 80, description: 'voucher' }));
  return id;
}

/**
 * Each discrepancy kind the audit reports, made the way real damage happens: behind the
 * ledger's back, with the superuser (user_points and users are not append-only).
 */
const KINDS: Record<string, (id: number) => Promise<unknown>> = {
  balance_higher: (id) => db.knex('user_points').where({ user_id: id }).increment('points', 100),
  balance_lower: (id) => db.knex('user_points').where({ user_id: id }).decrement('points', 30),
  earned_mismatch: (id) => db.knex('user_points').where({ user_id: id }).increment('total_earned', 200),
  redeemed_mismatch: (id) => db.knex('user_points').where({ user_id: id }).increment('total_redeemed', 50),
  last_earned_mismatch: (id) =>
    db.knex.raw(
      `UPDATE user_points SET last_earned_at = last_earned_at - interval '1 day' WHERE user_id = ?`,
      [id],
    ),
  legacy_mismatch: (id) => db.knex('users').where({ id }).increment('rewards', 37),
  missing_row: (id) => db.knex('user_points').where({ user_id: id }).delete(),
  missing_row_legacy_higher: async (id) => {
    await db.knex('user_points').where({ user_id: id }).delete();
    await db.knex('users').where({ id }).increment('rewards', 25);
  },
  balance_without_transactions: async (id) => {
    // A balance imported from an old system with no transaction behind it.
    await db.knex('users').where({ id }).update({ rewards: 50 });
    await db
      .knex('user_points')
      .where({ user_id: id })
      .update({ points: 50, total_earned: 50, total_redeemed: 0, last_earned_at: null });
  },
  computed_negative: (id) =>
    // A debit recorded without its credit: the log sums below zero. Appended (and so sealed in
    // the hash chain) but without the ledger's balance check or its copies.
    appendSealed(db.knex, { user_id: id, type: 'redeemed', points: -400, description: 'lost credit' }),
};

/** Users of balance_without_transactions get no history (their log is empty). */
async function brokenUser(kind: string): Promise<number> {
  if (kind !== 'balance_without_transactions') {
    const id = await customer();
    await KINDS[kind]!(id);
    return id;
  }
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `r${id}@example.test`, name: `Recovery ${id}` });
  await db.knex('user_points').insert({ user_id: id });
  await KINDS[kind]!(id);
  return id;
}

const EXPECTED: Record<string, Record<RecoveryAction, RecoveryDecision>> = {
  balance_higher: { recover: 'adjust_log_up', sync: 'lower_to_log' },
  balance_lower: { recover: 'raise_to_log', sync: 'raise_to_log' },
  earned_mismatch: { recover: 'copies_only', sync: 'copies_only' },
  redeemed_mismatch: { recover: 'copies_only', sync: 'copies_only' },
  last_earned_mismatch: { recover: 'copies_only', sync: 'copies_only' },
  legacy_mismatch: { recover: 'investigate', sync: 'investigate' },
  missing_row: { recover: 'rebuild_row', sync: 'rebuild_row' },
  missing_row_legacy_higher: { recover: 'rebuild_row', sync: 'rebuild_row' },
  balance_without_transactions: { recover: 'adjust_log_up', sync: 'lower_to_log' },
  computed_negative: { recover: 'adjust_log_up', sync: 'blocked_negative' },
};

async function logSum(id: number): Promise<number> {
  const r = await db.knex('points_transactions').where({ user_id: id }).sum({ s: 'points' }).first();
  return Number(r?.s ?? 0);
}

/** The audit's own verdict on a user: the kinds of discrepancy it finds. */
async function auditKinds(id: number): Promise<string[]> {
  const audit = await unwrap(db.call('audit.user', { userId: id }));
  return audit.dataIntegrity.discrepancies.map((d) => d.code);
}

async function planFor(action: RecoveryAction, ids: number[]): Promise<RecoveryPlan> {
  return unwrap(db.call('recovery.plan', { action, scope: { userIds: ids } }));
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

describe.each(['recover', 'sync'] as const)('%s, for each discrepancy kind', (action) => {
  it.each(Object.keys(KINDS))('%s: plan → apply → the copies agree with the log', async (kind) => {
    const id = await brokenUser(kind);
    const bystander = await customer();
    const before = (await storedCopies(db.knex)).get(id)!;
    const storedBefore = before.points ?? before.rewards;
    const logBefore = await logSum(id);
    expect(await uncleanUsers(db.knex, [id, bystander])).toEqual([id]);
    if (kind !== 'last_earned_mismatch') expect(await auditKinds(id)).not.toEqual([]);

    const plan = await planFor(action, [id, bystander]);
    expect(plan.users.map((u) => u.userId)).toEqual([id]);
    const [user] = plan.users;
    expect(user!.decision).toBe(EXPECTED[kind]![action]);
    expect(user!.reason.length).toBeGreaterThan(20);
    const run = await unwrap(
      db.call('recovery.apply', {
        action,
        scope: { userIds: [id, bystander] },
        fingerprint: plan.fingerprint,
      }),
    );
    const skipped = user!.decision === 'blocked_negative' || user!.decision === 'investigate';
    expect(run).toMatchObject({ status: 'done', usersChanged: skipped ? 0 : 1 });

    const after = (await storedCopies(db.knex)).get(id)!;
    const logAfter = await logSum(id);
    if (user!.decision === 'blocked_negative') {
      // Sync refuses to store a negative balance and says so; nothing about the user moved.
      expect(after).toEqual(before);
      expect(logAfter).toBe(logBefore);
      expect(plan.totals.usersBlocked).toBe(1);
      expect(await auditKinds(id)).toContain('negative_balance');
      return;
    }
    if (user!.decision === 'investigate') {
      // Quarantined: nothing applied, the evidence shown, the user left for a person to resolve.
      expect(after).toEqual(before);
      expect(logAfter).toBe(logBefore);
      expect(plan.totals.usersInvestigate).toBe(1);
      expect(user!.evidence.length).toBeGreaterThan(0);
      return;
    }
    expect(await uncleanUsers(db.knex, [id, bystander])).toEqual([]);
    expect(await auditKinds(id)).toEqual([]);
    expect(await auditKinds(bystander)).toEqual([]);
    // The plan's after values are what was written.
    const planned = user!.changes.find((c) => c.column === 'user_points.points');
    expect(after.points).toBe(planned ? planned.after : before.points);
    expect(after.rewards).toBe(after.points);
    if (action === 'recover') {
      // Recover never lowers a balance: the log grows by the planned adjustment instead.
      expect(after.points).toBeGreaterThanOrEqual(Math.max(storedBefore, 0));
      const added = user!.transactions.reduce((s, t) => s + t.points, 0);
      expect(logAfter).toBe(logBefore + added);
      const adjustments = await db
        .knex('points_transactions')
        .where({ user_id: id, type: 'adjustment' })
        .pluck('description');
      expect(adjustments).toEqual(user!.transactions.map((t) => t.description));
    } else {
      // Sync only moves a balance to what the log says, and writes no transaction.
      expect(after.points).toBe(logBefore);
      expect(logAfter).toBe(logBefore);
    }
  });
});

describe('recovery.plan', () => {
  it('shows each column before → after and the adjustment recover would write', async () => {
    const id = await brokenUser('balance_higher');
    const plan = await planFor('recover', [id]);
    expect(plan.users[0]).toMatchObject({
      decision: 'adjust_log_up',
      createsRow: false,
      transactions: [{ type: 'adjustment', points: 100 }],
      changes: expect.arrayContaining([
        { column: 'user_points.total_earned', before: 300, after: 400 },
        { column: 'users.rewards', before: 220, after: 320 },
        { column: 'user_points.last_earned_at', before: expect.any(String), after: 'time of the adjustment' },
      ]),
    });
    expect(plan.users[0]!.changes.map((c) => c.column)).not.toContain('user_points.points');
    expect(plan.totals).toMatchObject({
      usersChanged: 1,
      adjustments: { count: 1, points: 100 },
      balancesLowered: { users: 0 },
    });
    // Previewing twice on unchanged data gives the same fingerprint.
    expect((await planFor('recover', [id])).fingerprint).toBe(plan.fingerprint);
    expect((await planFor('sync', [id])).fingerprint).not.toBe(plan.fingerprint);
    await unwrap(
      db.call('recovery.apply', {
        action: 'recover',
        scope: { userIds: [id] },
        fingerprint: plan.fingerprint,
      }),
    );
  });

  it('refuses unknown users and bad input, clearly', async () => {
    const unknown = await db.call('recovery.plan', { action: 'sync', scope: { userIds: [1, 987_654_321] } });
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringContaining('987654321') },
    });
    const bad = await db.call('recovery.plan', { action: 'repair' as 'sync', scope: 'all' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const noUsers = await db.call('recovery.plan', { action: 'sync', scope: { userIds: [] } });
    expect(noUsers).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('at least one user') },
    });
    const badPrint = await db.call('recovery.apply', { action: 'sync', scope: 'all', fingerprint: 'abc' });
    expect(badPrint).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('lets auditors and operators preview; only admins apply', async () => {
    const id = await brokenUser('balance_lower');
    for (const role of ['auditor', 'operator'] as const) {
      const login = await db.loginAs(role);
      const plan = await login.call('recovery.plan', { action: 'sync', scope: { userIds: [id] } });
      expect(plan.ok).toBe(true);
      const fingerprint = plan.ok ? plan.data.fingerprint : '';
      const apply = await login.call('recovery.apply', {
        action: 'sync',
        scope: { userIds: [id] },
        fingerprint,
      });
      expect(apply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await uncleanUsers(db.knex, [id])).toEqual([id]);
    const admin = await db.loginAs('admin');
    const plan = await unwrap(admin.call('recovery.plan', { action: 'sync', scope: { userIds: [id] } }));
    const run = await unwrap(
      admin.call('recovery.apply', {
        action: 'sync',
        scope: { userIds: [id] },
        fingerprint: plan.fingerprint,
      }),
    );
    expect(run.actor).toBe(admin.login);
    expect(await uncleanUsers(db.knex, [id])).toEqual([]);
  });
});

describe('recovery.apply', () => {
  it('refuses with CONFLICT and writes nothing when the data moved after the preview', async () => {
    const a = await brokenUser('balance_higher');
    const b = await brokenUser('missing_row');
    const plan = await planFor('recover', [a, b]);
    // An ordinary earn between preview and apply: the plan no longer describes the data.
    await unwrap(db.call('points.earn', { userId: a, points: 5, description: 'meanwhile' }));
    const snapshot = await ledgerSnapshot(db.knex);
    const r = await db.call('recovery.apply', {
      action: 'recover',
      scope: { userIds: [a, b] },
      fingerprint: plan.fingerprint,
    });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: expect.stringContaining('Preview again') },
    });
    expect(await ledgerSnapshot(db.knex)).toEqual(snapshot);
    // A new preview shows the new state and applies.
    const again = await planFor('recover', [a, b]);
    await unwrap(
      db.call('recovery.apply', {
        action: 'recover',
        scope: { userIds: [a, b] },
        fingerprint: again.fingerprint,
      }),
    );
    expect(await uncleanUsers(db.knex, [a, b])).toEqual([]);
  });

  it('records who applied what in the operations log, with the fingerprint and counts', async () => {
    const id = await brokenUser('balance_lower');
    const plan = await planFor('sync', [id]);
    const run = await unwrap(
      db.call('recovery.apply', { action: 'sync', scope: { userIds: [id] }, fingerprint: plan.fingerprint }),
    );
    const entry = await db
      .knex('operations_log')
      .where({ action: 'recovery.apply' })
      .orderBy('id', 'desc')
      .first();
    expect(entry).toMatchObject({
      outcome: 'ok',
      actor: expect.any(String),
      input: { action: 'sync', scope: { userIds: [id] }, fingerprint: plan.fingerprint },
      result: { runId: run.runId, usersChanged: 1, status: 'done' },
    });
    expect(await unwrap(db.call('recovery.run', { runId: run.runId }))).toMatchObject({
      status: 'done',
      chunksDone: 1,
    });
  });
});

describe('chunked runs', () => {
  const request = (ids: number[]) => ({ action: 'recover' as const, scope: { userIds: ids } });

  it('a move in a later chunk stops the run there: finished chunks stay applied and clean', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await brokenUser(i % 2 ? 'balance_higher' : 'earned_mismatch'));
    const plan = await planRecovery(db.knex, { ...request(ids), limit: 100 }, { chunkSize: 2 });
    const r = applyRecovery(
      db.knex,
      { ...request(ids), fingerprint: plan.fingerprint },
      {
        chunkSize: 2,
        progress: (p) => {
          if (p.message === 'chunks applied' && p.done === 1)
            void db
              .knex('users')
              .where({ id: ids[5] })
              .increment('rewards', 1)
              .then(() => undefined);
        },
      },
    );
    await expect(r).rejects.toMatchObject({ code: 'CONFLICT' });
    const run = await db.knex('recovery_runs').orderBy('started_at', 'desc').first();
    expect(run).toMatchObject({ status: 'conflict', chunks_done: 2, chunks_total: 3 });
    expect(await uncleanUsers(db.knex, ids)).toEqual(ids.slice(4));
  });

  it('cancel stops between chunks; a new preview and apply finishes the rest', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await brokenUser('missing_row_legacy_higher'));
    const before = await storedCopies(db.knex);
    const plan = await planRecovery(db.knex, { ...request(ids), limit: 100 }, { chunkSize: 2 });
    const abort = new AbortController();
    const r = applyRecovery(
      db.knex,
      { ...request(ids), fingerprint: plan.fingerprint },
      {
        chunkSize: 2,
        signal: abort.signal,
        progress: (p) => p.message === 'chunks applied' && abort.abort(),
      },
    );
    await expect(r).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await uncleanUsers(db.knex, ids)).toEqual(ids.slice(2));
    const rest = await planRecovery(db.knex, { ...request(ids), limit: 100 }, { chunkSize: 2 });
    expect(rest.totals.usersChanged).toBe(3);
    const run = await applyRecovery(
      db.knex,
      { ...request(ids), fingerprint: rest.fingerprint },
      { chunkSize: 2 },
    );
    // The chunk that committed has nothing left to change: only the other two are applied.
    expect(run).toMatchObject({ status: 'done', chunksDone: 2, chunksTotal: 2, usersChanged: 3 });
    expect(await uncleanUsers(db.knex, ids)).toEqual([]);
    const after = await storedCopies(db.knex);
    for (const id of ids) expect(after.get(id)!.points).toBe(before.get(id)!.rewards);
  });
});

describe("scopes 'discrepancies' and 'all'", () => {
  it('find exactly the broken users among many, and leave everyone clean', async () => {
    const cleanBefore = await uncleanUsers(db.knex);
    const demo = await unwrap(
      db.call('demo.generate', { users: 300, transactions: 3000, discrepancies: 10 }),
    );
    const broken = demo.discrepancies.map((d) => d.userId).sort((x, y) => x - y);
    const expected = [...cleanBefore, ...broken].sort((x, y) => x - y);
    expect(await uncleanUsers(db.knex)).toEqual(expected);
    const plan = await unwrap(db.call('recovery.plan', { action: 'recover', scope: 'discrepancies' }));
    expect(plan.users.map((u) => u.userId)).toEqual(expected);
    expect(plan.totals.usersInScope).toBe(expected.length);
    const all = await unwrap(db.call('recovery.plan', { action: 'recover', scope: 'all', limit: 0 }));
    expect(all.users).toEqual([]);
    expect(all.truncated).toBe(true);
    // Quarantined users (a legacy copy above the balance, in the demo's mix) are counted apart.
    expect(all.totals.usersChanged + all.totals.usersInvestigate).toBe(expected.length);
    const quarantined = plan.users.filter((u) => u.decision === 'investigate').map((u) => u.userId);
    expect(all.totals.usersInvestigate).toBe(quarantined.length);
    expect(all.totals.usersInScope).toBe(Number((await db.knex('users').count({ n: '*' }).first())?.n));
    const before = await storedCopies(db.knex);
    await unwrap(
      db.call('recovery.apply', { action: 'recover', scope: 'all', fingerprint: all.fingerprint }),
    );
    expect(await uncleanUsers(db.knex)).toEqual(quarantined);
    const scan = await unwrap(db.call('audit.scan', { verifyChain: true }));
    expect(scan).toMatchObject({ status: 'done', usersWithDiscrepancies: quarantined.length });
    const after = await storedCopies(db.knex);
    for (const [id, b] of before)
      expect(after.get(id)!.points).toBeGreaterThanOrEqual(Math.max(b.points ?? b.rewards, 0));
  });
});
