import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/demo/generate';
import { chainBreaksQuery } from '../../src/main/ledger/chain';
import type { DemoResult } from '../../src/shared/contract';
import { createTestDb, type TestDb } from '../support/db';
import { chainRecords } from '../support/ledgerCheck';

/**
 * The demo at COPY speed (issue 20): deterministic by seed, every row sealed into an intact
 * chain, copies broken only where it says, and its sealing function closed to staff logins.
 */
const SIZE = { users: 60, transactions: 700, discrepancies: 5 };
let a: TestDb;
let b: TestDb;
let c: TestDb;
const made = new Map<TestDb, DemoResult>();

async function demo(db: TestDb, seed: number): Promise<void> {
  const r = await db.call('demo.generate', { ...SIZE, seed });
  if (!r.ok) throw new Error(r.error.message);
  made.set(db, r.data);
}

/** A digest of every column the chain key does not decide (hashes and authorship left out). */
async function digest(db: TestDb): Promise<string> {
  const { rows } = (await db.knex.raw(`SELECT md5(string_agg(t, '|' ORDER BY t)) AS d FROM (
      SELECT format('u %s %s %s %s %s', id, email, name, rewards, created_at) AS t FROM users
      UNION ALL SELECT format('o %s %s %s %s', id, user_id, amount, created_at) FROM orders
      UNION ALL SELECT format('t %s %s %s %s %s %s %s %s', id, user_id, type, points, description, order_id,
                              order_amount, created_at) FROM points_transactions
      UNION ALL SELECT format('r %s %s %s %s %s %s %s', user_id, points_reward_id, transaction_id, points_spent,
                              is_used, used_at, expires_at) FROM user_points_redemptions
      UNION ALL SELECT format('p %s %s %s %s %s', user_id, points, total_earned, total_redeemed, last_earned_at)
                FROM user_points
      UNION ALL SELECT format('l %s %s %s %s', id, remaining, expires_at, credit_type) FROM points_lots) x`)) as {
    rows: Array<{ d: string }>;
  };
  return rows[0]!.d;
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([createTestDb(), createTestDb(), createTestDb()]);
  await Promise.all([demo(a, 42), demo(b, 42), demo(c, 43)]);
});
afterAll(() => Promise.all([a, b, c].map((db) => db?.close())));

describe('demo data by seed', () => {
  it('is the same for the same seed, and differs for another', async () => {
    const [da, db_, dc] = await Promise.all([digest(a), digest(b), digest(c)]);
    expect(da).toBe(db_);
    expect(dc).not.toBe(da);
    expect(made.get(a)).toMatchObject({ ...made.get(b), seconds: expect.any(Number) });
    expect(made.get(a)!.transactions).toBeGreaterThan(SIZE.transactions * 0.9);
  });

  it('gives every row a link in an intact chain', async () => {
    for (const db of [a, c]) {
      expect(await db.knex('points_transactions').whereNull('row_hash').count({ n: '*' }).first()).toEqual({
        n: 0,
      });
      expect(await chainBreaksQuery(db.knex)).toEqual([]);
    }
  });

  it("records every new user's chain as intact, exactly as their rows are", async () => {
    // The seal wrote all their rows, so a sync's preview need not hash them (migration 700).
    const records = await chainRecords(a.knex);
    expect(records.recorded.length).toBe(SIZE.users);
    expect(records.unmatched).toEqual([]);
    expect(records.unrecorded).toEqual([]);
  });

  it('passes the audit scan with chains, but for the copies it broke on purpose', async () => {
    const scan = await a.call('audit.scan', { verifyChain: true });
    if (!scan.ok) throw new Error(scan.error.message);
    expect(scan.data.byKind.chain_broken?.count ?? 0).toBe(0);
    expect(scan.data.usersWithDiscrepancies).toBe(SIZE.discrepancies);
    const broken = made.get(a)!.discrepancies;
    expect(new Set(broken.map((d) => d.userId)).size).toBe(SIZE.discrepancies);
    const kinds = new Set(broken.map((d) => d.kind));
    expect(kinds.size).toBe(SIZE.discrepancies);
  });
});

describe('the sealing function', () => {
  it('is refused to staff logins, even an admin', async () => {
    for (const role of ['operator', 'admin'] as const) {
      const { session, call } = await a.loginAs(role);
      await expect(session.knex.raw('SELECT pointkeeper_demo_seal()')).rejects.toMatchObject({
        code: '42501',
      });
      expect(await call('demo.generate', { users: 1, transactions: 0, discrepancies: 0 })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
  });

  it('never extends an existing history, and refuses outside replica mode or for unknown users', async () => {
    const seal = (replica: boolean, userId: number) =>
      a.knex.transaction(async (trx) => {
        await trx.raw(`CREATE TEMP TABLE demo_tx (id integer, user_id integer, type text, points integer,
          description text, order_id integer, order_amount numeric(12, 2), created_at timestamptz,
          reward_id integer, is_used boolean) ON COMMIT DROP`);
        await trx.raw(
          `INSERT INTO demo_tx VALUES (nextval('points_transactions_id_seq'), ?, 'bonus', 10000,
          'forged', NULL, NULL, now(), NULL, NULL)`,
          [userId],
        );
        await trx.raw(
          `GRANT SELECT ON demo_tx TO ${
            (
              await trx.raw(
                `SELECT proowner::regrole::text AS o FROM pg_proc WHERE oid = 'pointkeeper_demo_seal()'::regprocedure`,
              )
            ).rows[0].o
          }`,
        );
        if (replica) await trx.raw('SET LOCAL session_replication_role = replica');
        await trx.raw('SELECT pointkeeper_demo_seal()');
      });
    const existing = made.get(a)!.firstUserId!;
    await expect(seal(true, existing)).rejects.toMatchObject({ code: 'PK409' });
    await a.knex('users').insert({ id: 900_001, email: 'new@example.test', name: 'New' });
    await expect(seal(false, 900_001)).rejects.toMatchObject({ code: 'PK422' });
    await expect(seal(true, 900_002)).rejects.toMatchObject({ code: 'PK422' }); // no such user
    expect(
      await a.knex('points_transactions').where({ description: 'forged' }).count({ n: '*' }).first(),
    ).toEqual({
      n: 0,
    });
  });
});

describe('chunks in flight (two sealing while the next is COPYed)', () => {
  const SMALL = { users: 40, transactions: 400, discrepancies: 0 };
  const chunked = (db: TestDb, seed: number, done: number[] = []) =>
    generateDemo(db.knex, { ...SMALL, seed }, (p) => done.push(p.done ?? 0), new AbortController().signal, {
      chunkUsers: 7,
    });
  let d: TestDb;
  let e: TestDb;
  beforeAll(async () => {
    [d, e] = await Promise.all([createTestDb(), createTestDb()]);
  });
  afterAll(() => Promise.all([d, e].map((db) => db?.close())));

  it('writes every chunk whole, sealed and in order, the same for the same seed', async () => {
    const done: number[] = [];
    await chunked(d, 7, done);
    await chunked(e, 7);
    expect(done).toEqual([7, 14, 21, 28, 35, 40]);
    expect(await digest(d)).toBe(await digest(e));
    expect(await chainBreaksQuery(d.knex)).toEqual([]);
    expect(await d.knex('user_points').count({ n: '*' }).first()).toEqual({ n: SMALL.users });
    const scan = await d.call('audit.scan', { verifyChain: true });
    if (!scan.ok) throw new Error(scan.error.message);
    expect(scan.data.usersWithDiscrepancies).toBe(0);
  });

  it('rolls back the chunk whose seal fails and those after it, keeps the ones before, leaves no transaction open', async () => {
    const fresh = await createTestDb();
    try {
      // A balance row for user 24 (the fourth chunk's), with no user: only the seal refuses it.
      await fresh.knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL session_replication_role = replica');
        await trx('user_points').insert({ user_id: 24, points: 0, total_earned: 0, total_redeemed: 0 });
      });
      await expect(chunked(fresh, 7)).rejects.toMatchObject({ message: expect.stringContaining('User 24') });
      expect(await fresh.knex('users').max({ max: 'id' }).first()).toEqual({ max: 21 });
      expect(
        await fresh.knex('points_transactions').where('user_id', '>', 21).count({ n: '*' }).first(),
      ).toEqual({
        n: 0,
      });
      expect(await chainBreaksQuery(fresh.knex)).toEqual([]);
      const { rows } = (await fresh.knex.raw(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      )) as { rows: Array<{ n: number }> };
      expect(rows[0]!.n).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
