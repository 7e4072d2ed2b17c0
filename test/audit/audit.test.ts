import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSealed } from '../support/ledgerRows';
import type { Discrepancy, DiscrepancyKind, ScanSummary } from '../../src/shared/contract';
import { DISCREPANCY_KINDS } from '../../src/shared/contract/audit';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let nextUser = 3_000_000;
let rewardId: number;
let rewardCost: number;

async function ok<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

async function newUser(): Promise<number> {
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `a${id}@example.test`, name: `Audit ${id}` });
  return id;
}

async function earn(userId: number, points: number) {
  return ok(db.call('points.earn', { userId, points, description: `credit ${points}` }));
}

/** Runs a scan and reads every one of its findings, page by page. */
async function scanAll(): Promise<{ summary: ScanSummary; items: Discrepancy[] }> {
  const summary = await ok(db.call('audit.scan', {}));
  const items: Discrepancy[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Discrepancy[]; nextCursor: string | null } = await ok(
      db.call('audit.scanResults', { scanId: summary.scanId, limit: 7, cursor }),
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { summary, items };
}

type Seen = { userId: number; code: DiscrepancyKind; stored: number | null; expected: number | null };
const pick = (d: Discrepancy): Seen => ({
  userId: d.userId,
  code: d.code,
  stored: d.stored,
  expected: d.expected,
});
const byUserKind = (a: Seen, b: Seen) => a.userId - b.userId || a.code.localeCompare(b.code);

beforeAll(async () => {
  db = await createTestDb();
  await ok(db.call('demo.generate', { users: 50, transactions: 600, discrepancies: 0 }));
  const reward = await db.knex('points_rewards').where({ active: true }).orderBy('cost').first('id', 'cost');
  rewardId = reward.id;
  rewardCost = reward.cost;
});
afterAll(() => db.close());

describe('on consistent ledgers', () => {
  it('the scan finds nothing, whatever earns, redeems and reversals happened (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 10_000 }) }),
      fc.record({ kind: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 3_000 }) }),
      fc.record({ kind: fc.constant('reward' as const) }),
      fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        async (users) => {
          for (const ops of users) {
            const userId = await newUser();
            const written: number[] = [];
            for (const o of ops) {
              const r =
                o.kind === 'earn'
                  ? await db.call('points.earn', { userId, points: o.points, description: 'p' })
                  : o.kind === 'redeem'
                    ? await db.call('points.redeem', { userId, points: o.points, description: 'p' })
                    : o.kind === 'reward'
                      ? await db.call('points.redeem', {
                          userId,
                          points: rewardCost,
                          rewardId,
                          description: 'r',
                        })
                      : written.length > 0
                        ? await db.call('points.reverse', {
                            transactionId: written[o.pick % written.length]!,
                            reason: 'prop',
                          })
                        : null;
              if (r?.ok && 'transactionId' in r.data) written.push(r.data.transactionId);
            }
          }
          const { summary, items } = await scanAll();
          expect(items).toEqual([]);
          expect(summary).toMatchObject({ status: 'done', discrepancies: 0, pointsAtStake: 0 });
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('seeded discrepancies', () => {
  const expected: Seen[] = [];
  let misdirectedEarn = 0;

  beforeAll(async () => {
    const k = db.knex;
    const balance = await newUser();
    await earn(balance, 100);
    await k('user_points').where({ user_id: balance }).update({ points: 130 });
    await k('users').where({ id: balance }).update({ rewards: 100 });
    expected.push({ userId: balance, code: 'balance_mismatch', stored: 130, expected: 100 });

    const earned = await newUser();
    await earn(earned, 80);
    await k('user_points').where({ user_id: earned }).increment('total_earned', 200);
    expected.push({ userId: earned, code: 'earned_mismatch', stored: 280, expected: 80 });

    const redeemed = await newUser();
    await earn(redeemed, 80);
    await ok(db.call('points.redeem', { userId: redeemed, points: 30, description: 'x' }));
    await k('user_points').where({ user_id: redeemed }).increment('total_redeemed', 50);
    expected.push({ userId: redeemed, code: 'redeemed_mismatch', stored: 80, expected: 30 });

    const legacy = await newUser();
    await earn(legacy, 60);
    await k('users').where({ id: legacy }).increment('rewards', 37);
    expected.push({ userId: legacy, code: 'legacy_mismatch', stored: 97, expected: 60 });

    const missing = await newUser();
    await earn(missing, 45);
    await k('user_points').where({ user_id: missing }).delete();
    expected.push({ userId: missing, code: 'missing_user_points', stored: null, expected: 45 });

    const noLog = await newUser();
    await k('user_points').insert({ user_id: noLog, points: 75 });
    await k('users').where({ id: noLog }).update({ rewards: 75 });
    expected.push({ userId: noLog, code: 'balance_without_transactions', stored: 75, expected: 0 });

    const unpaid = await newUser();
    await earn(unpaid, 500);
    await k('user_points_redemptions').insert({
      user_id: unpaid,
      points_reward_id: rewardId,
      points_spent: rewardCost,
      expires_at: k.raw(`now() + interval '30 days'`),
    });
    expected.push({
      userId: unpaid,
      code: 'redemption_without_transaction',
      stored: rewardCost,
      expected: 0,
    });

    // A redemption pointed at one of the user's earns: no debit pays it, and the finding names
    // the row it points at (read by id apart from the debits).
    const misdirected = await newUser();
    const earnRow = await earn(misdirected, 500);
    const paid = await ok(
      db.call('points.redeem', { userId: misdirected, points: rewardCost, rewardId, description: 'reward' }),
    );
    await k.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('user_points_redemptions')
        .where({ id: paid.redemptionId })
        .update({ transaction_id: earnRow.transactionId });
    });
    misdirectedEarn = earnRow.transactionId;
    expected.push({
      userId: misdirected,
      code: 'redemption_without_transaction',
      stored: rewardCost,
      expected: 0,
    });

    const cancelled = await newUser();
    await earn(cancelled, 500);
    const r = await ok(
      db.call('points.redeem', { userId: cancelled, points: rewardCost, rewardId, description: 'reward' }),
    );
    await k('user_points_redemptions').where({ id: r.redemptionId }).update({ cancelled_at: k.fn.now() });
    expected.push({
      userId: cancelled,
      code: 'transaction_without_redemption',
      stored: rewardCost,
      expected: 0,
    });

    const negative = await newUser();
    await k('user_points').insert({ user_id: negative });
    await appendSealed(k, { user_id: negative, type: 'adjustment', points: -50, description: 'bad' });
    expected.push(
      { userId: negative, code: 'negative_balance', stored: -50, expected: 0 },
      { userId: negative, code: 'balance_mismatch', stored: 0, expected: -50 },
      { userId: negative, code: 'legacy_mismatch', stored: 0, expected: -50 },
      // A negative adjustment counts as a debit.
      { userId: negative, code: 'redeemed_mismatch', stored: 0, expected: 50 },
    );

    const tampered = await newUser();
    await earn(tampered, 10);
    const second = await earn(tampered, 20);
    await earn(tampered, 30);
    await k.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      // A description changes no sum: only the chain can tell.
      await trx('points_transactions').where({ id: second.transactionId }).update({ description: 'edited' });
    });
    expected.push({ userId: tampered, code: 'chain_broken', stored: null, expected: null });
    expected.sort(byUserKind);
  });

  it('covers every kind the audit knows', () => {
    expect(new Set(expected.map((e) => e.code))).toEqual(new Set(DISCREPANCY_KINDS));
  });

  it('the scan finds exactly those, with their values, counts and points at stake', async () => {
    const { summary, items } = await scanAll();
    expect(items.map(pick).sort(byUserKind)).toEqual(expected);
    expect(summary.discrepancies).toBe(expected.length);
    expect(summary.usersWithDiscrepancies).toBe(new Set(expected.map((e) => e.userId)).size);
    expect(summary.byKind.balance_mismatch).toEqual({ count: 2, pointsAtStake: 30 + 50 });
    expect(summary.byKind.missing_user_points).toEqual({ count: 1, pointsAtStake: 45 });
    const stake = items.reduce(
      (s, d) => s + Math.abs(d.difference ?? (d.code === 'missing_user_points' ? d.expected! : 0)),
      0,
    );
    expect(summary.pointsAtStake).toBe(stake);
    for (const d of items) {
      expect(d.difference).toBe(d.stored === null || d.expected === null ? null : d.stored - d.expected);
      expect(d.recommendation.effect).toContain(d.recommendation.action);
    }
  });

  it('names the row a misdirected redemption points at, in the scan and in audit.user', async () => {
    const { items } = await scanAll();
    const scanned = items.filter((d) => d.transactionId === misdirectedEarn);
    expect(scanned.map((d) => [d.code, d.message])).toEqual([
      [
        'redemption_without_transaction',
        expect.stringContaining(`is not paid by transaction ${misdirectedEarn}`),
      ],
    ]);
    const audit = await ok(db.call('audit.user', { userId: scanned[0]!.userId }));
    expect(audit.dataIntegrity.discrepancies.map((d) => d.transactionId)).toEqual([misdirectedEarn]);
  });

  it('audit.user finds the same for each user, and names the tampered row', async () => {
    for (const userId of new Set(expected.map((e) => e.userId))) {
      const audit = await ok(db.call('audit.user', { userId }));
      expect(audit.dataIntegrity.discrepancies.map(pick).sort(byUserKind)).toEqual(
        expected.filter((e) => e.userId === userId),
      );
    }
    const tampered = expected.find((e) => e.code === 'chain_broken')!.userId;
    const audit = await ok(db.call('audit.user', { userId: tampered }));
    const ids = audit.transactions.map((t) => t.id).sort((a, b) => a - b);
    expect(audit.dataIntegrity.chain).toMatchObject({
      verified: false,
      rowsChecked: 3,
      breaks: 1,
      firstBreak: { transactionId: ids[1], previousId: ids[0], kind: 'altered' },
    });
    expect(audit.dataIntegrity.chain.firstBreak?.message).toContain(`transaction ${ids[1]} was altered`);
  });

  it('recommends with the exact before → after', async () => {
    const { items } = await scanAll();
    const find = (code: DiscrepancyKind) =>
      items.find((d) => d.code === code && d.userId === expected.find((e) => e.code === code)!.userId)!;
    expect(find('balance_mismatch').recommendation).toMatchObject({
      action: 'recover',
      before: 100,
      after: 130,
    });
    expect(find('earned_mismatch').recommendation).toMatchObject({
      action: 'sync',
      target: 'user_points.total_earned',
      before: 280,
      after: 80,
    });
    expect(find('missing_user_points').recommendation).toMatchObject({
      action: 'recover',
      before: null,
      after: 45,
    });
    // A legacy copy above the log is quarantined by recovery, and the audit says so in its words.
    expect(find('legacy_mismatch').recommendation).toMatchObject({
      action: 'investigate',
      effect: expect.stringContaining('recovery quarantines this user (investigate)') as string,
    });
    // Findings that are not about the copies start from the user's log balance too, whatever
    // else is (or is not) found for that user.
    for (const code of [
      'redemption_without_transaction',
      'transaction_without_redemption',
      'chain_broken',
    ] as const) {
      const d = find(code);
      const sum = (await db
        .knex('points_transactions')
        .where({ user_id: d.userId })
        .sum({ s: 'points' })
        .first()) as {
        s: string;
      };
      expect(d.recommendation.before, code).toBe(Number(sum.s));
      expect(Number(sum.s), code).not.toBe(0);
    }
  });

  it('filters by kind and user and sorts, paging by keyset', async () => {
    const { summary } = await scanAll();
    const only = await ok(
      db.call('audit.scanResults', {
        scanId: summary.scanId,
        kinds: ['legacy_mismatch', 'balance_mismatch'],
      }),
    );
    expect(new Set(only.items.map((d) => d.code))).toEqual(new Set(['legacy_mismatch', 'balance_mismatch']));
    expect(only.items).toHaveLength(4);
    const byUser = await ok(
      db.call('audit.scanResults', { scanId: summary.scanId, sort: 'userId', order: 'asc', limit: 3 }),
    );
    const next = await ok(
      db.call('audit.scanResults', {
        scanId: summary.scanId,
        sort: 'userId',
        order: 'asc',
        limit: 3,
        cursor: byUser.nextCursor,
      }),
    );
    const users = [...byUser.items, ...next.items].map((d) => d.userId);
    expect(users).toEqual([...users].sort((a, b) => a - b));
    expect(users[0]).toBe(expected[0]!.userId);
    const stakes = (await ok(db.call('audit.scanResults', { scanId: summary.scanId, limit: 100 }))).items.map(
      (d) => Math.abs(d.difference ?? (d.code === 'missing_user_points' ? d.expected! : 0)),
    );
    expect(stakes).toEqual([...stakes].sort((a, b) => b - a));
  });
});

describe('audit.scan as an auditor', () => {
  it('runs with the auditor login alone (its pass over the log uses a temporary table)', async () => {
    const auditor = await db.loginAs('auditor');
    const summary = await ok(auditor.call('audit.scan', {}));
    expect(summary).toMatchObject({ status: 'done', startedBy: auditor.login });
    expect(summary.usersScanned).toBe(Number((await db.knex('users').count({ n: '*' }).first())!.n));
  });
});

describe('audit.user', () => {
  it('answers with the spec shape; recovery data only for admins', async () => {
    const userId = await newUser();
    await earn(userId, 300);
    await ok(db.call('points.redeem', { userId, points: rewardCost, rewardId, description: 'reward' }));
    const auditor = await db.loginAs('auditor');
    const plain = await ok(auditor.call('audit.user', { userId, includeRecoveryData: true }));
    expect(Object.keys(plain).sort()).toEqual(
      [
        'success',
        'userId',
        'summary',
        'transactions',
        'userPointsRecord',
        'legacyRewards',
        'dataIntegrity',
      ].sort(),
    );
    expect(plain.summary).toMatchObject({
      total_points_earned: 300,
      total_points_redeemed: rewardCost,
      current_points: 300 - rewardCost,
      total_transactions: 2,
    });
    expect(plain.dataIntegrity).toMatchObject({
      transactionsMatchUserPoints: true,
      legacyRewardsMatch: true,
      discrepancies: [],
      chain: { verified: true, rowsChecked: 2, firstBreak: null },
    });
    const admin = await db.loginAs('admin');
    const full = await ok(admin.call('audit.user', { userId, includeRecoveryData: true }));
    expect(full.recoveryData?.redemptions).toHaveLength(1);
    expect(full.recoveryData?.recoveryRecommendations).toEqual([]);
    const limited = await ok(admin.call('audit.user', { userId, limit: 1 }));
    expect(limited.transactions).toHaveLength(1);
    expect(limited.recoveryData).toBeUndefined();
  });

  it('refuses an unknown user and bad input', async () => {
    expect(await db.call('audit.user', { userId: 987_654_321 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await db.call('audit.user', { userId: -1 } as never)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });
});

describe('audit.scan control', () => {
  it('stops with a clear error over its time limit and keeps nothing', async () => {
    const r = await db.call('audit.scan', { timeoutSeconds: 0.001 });
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    if (r.ok) return;
    expect(r.error.message).toMatch(/time limit/);
    const last = await db.knex('audit_scans').orderBy('id', 'desc').first();
    expect(last).toMatchObject({ status: 'cancelled' });
    expect(await db.knex('audit_scan_results').where({ scan_id: last.id }).first()).toBeUndefined();
  });

  it('is cancelled by its signal, reports progress, and is in the operations log', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const r = await db.dispatch(
      'audit.scan',
      {},
      {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.done);
          controller.abort();
        },
      },
    );
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'CANCELLED', message: expect.stringMatching(/cancelled/) },
    });
    expect(seen[0]).toBe(0);
    const logged = await db
      .knex('operations_log')
      .where({ action: 'audit.scan' })
      .orderBy('id', 'desc')
      .first();
    expect(logged).toMatchObject({ outcome: 'error', error_code: 'CANCELLED' });
  });
});

describe('demo data with --discrepancies', () => {
  it('every seeded user is found by the scan with the kind it was seeded with', async () => {
    const demo = await ok(db.call('demo.generate', { users: 40, transactions: 300, discrepancies: 10 }));
    const { items } = await scanAll();
    for (const seeded of demo.discrepancies) {
      expect(items.filter((d) => d.userId === seeded.userId).map((d) => d.code)).toContain(seeded.kind);
    }
    const inDemo = items.filter((d) => d.userId >= demo.firstUserId! && d.userId <= demo.lastUserId!);
    expect(new Set(inDemo.map((d) => d.userId))).toEqual(new Set(demo.discrepancies.map((d) => d.userId)));
  });
});

describe('audit.cancelScan', () => {
  it('stops a running scan from another call, and says so for one already finished', async () => {
    let scanId: number | null = null;
    const running = db.dispatch(
      'audit.scan',
      {},
      {
        onProgress: (p) => {
          if (p.done === 0 && scanId === null) {
            scanId = -1;
            void db
              .knex('audit_scans')
              .max({ id: 'id' })
              .first()
              .then(async (r) => {
                scanId = r!.id as number;
                await ok(db.call('audit.cancelScan', { scanId }));
              });
          }
        },
      },
    );
    const r = await running;
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const row = await db.knex('audit_scans').where({ id: scanId! }).first();
    expect(row).toMatchObject({ status: 'cancelled', cancel_requested: true });
    expect(await ok(db.call('audit.cancelScan', { scanId: scanId! }))).toEqual({ cancelled: false });
  });

  it('a late cancel never reaches the connection once it serves another call', async () => {
    // The scan's recorded backend has gone back to the pool and now runs someone else's
    // transaction: the cancel must leave that transaction alone (before, it aborted it).
    const [{ id: scanId }] = (await db
      .knex('audit_scans')
      .insert({ verify_chain: false })
      .returning('id')) as [{ id: number }];
    await db.knex.transaction(async (trx) => {
      const { pid } = (await trx.raw('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
      await db.knex('audit_scans').where({ id: scanId }).update({ backend_pid: pid });
      const busy = trx.raw('SELECT pg_sleep(1.5)').then(() => 'slept'); // started now
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await ok(db.call('audit.cancelScan', { scanId }))).toEqual({ cancelled: true });
      expect(await busy).toBe('slept');
      expect((await trx.raw('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });
});
