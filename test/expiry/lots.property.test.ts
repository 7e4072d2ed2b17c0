import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lotDiscrepancies } from '../../src/main/ledger/expiry/check';
import { createTestDb, type TestDb } from '../support/db';

/**
 * Issue 21's properties, against the real database and an independent model of the lot rules
 * written here (not the SQL under test): for random sequences of credits, redeems, reversals
 * and expiry runs at random times, the database's lots are the model's lots; open lots add up
 * to the balance; no lot goes negative; nothing expires twice; a rebuild from the log gives
 * the same lots.
 *
 * Time: `bonus` credits expire the moment they are made (a policy of 0), others never, so an
 * expiry run "as of" the time of an earlier row expires exactly the bonus lots made up to it.
 */
let db: TestDb;
let nextUser = 9_100_000;

beforeAll(async () => {
  db = await createTestDb();
  // A policy no admin can set (the API's minimum is a day): lets a test see lots fall due.
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('bonus', interval '0', now() - interval '1 day', 'test')`,
  );
});
afterAll(() => db.close());

type Op =
  | { kind: 'credit'; points: number; bonus: boolean }
  | { kind: 'redeem'; points: number }
  | { kind: 'reverse'; pick: number }
  | { kind: 'expire'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      points: fc.integer({ min: 1, max: 300 }),
      bonus: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 400 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }) },
);

interface ModelLot {
  id: number;
  points: number;
  remaining: number;
  /** Microseconds since the epoch; null: never. */
  expiresAt: number | null;
  expiredBy: number | null;
}

/** The rules of issue 21, written from the issue, not from the migration. */
class Model {
  lots = new Map<number, ModelLot>();
  uses = new Map<number, Array<{ lot: number; points: number }>>();
  rows: Array<{ id: number; points: number; at: number; reverses: number | null }> = [];

  balance() {
    return this.rows.reduce((s, r) => s + r.points, 0);
  }

  private spendOrder(first: number | null) {
    return [...this.lots.values()]
      .filter((l) => l.remaining > 0)
      .sort((a, b) => {
        if (a.id === first) return -1;
        if (b.id === first) return 1;
        const ea = a.expiresAt ?? Infinity;
        const eb = b.expiresAt ?? Infinity;
        return ea !== eb ? ea - eb : a.id - b.id;
      });
  }

  credit(id: number, points: number, at: number, expires: boolean) {
    this.rows.push({ id, points, at, reverses: null });
    this.lots.set(id, { id, points, remaining: points, expiresAt: expires ? at : null, expiredBy: null });
  }

  debit(id: number, points: number, at: number, reverses: number | null) {
    this.rows.push({ id, points: -points, at, reverses });
    let need = points;
    const taken: Array<{ lot: number; points: number }> = [];
    for (const lot of this.spendOrder(reverses)) {
      if (need === 0) break;
      const take = Math.min(lot.remaining, need);
      lot.remaining -= take;
      need -= take;
      taken.push({ lot: lot.id, points: take });
    }
    expect(need, 'a debit the lots could not fund').toBe(0);
    this.uses.set(id, taken);
  }

  giveBack(id: number, points: number, at: number, reverses: number) {
    this.rows.push({ id, points, at, reverses });
    let left = points;
    let latest: number | null = null;
    for (const u of [...(this.uses.get(reverses) ?? [])].sort((a, b) => a.lot - b.lot)) {
      const lot = this.lots.get(u.lot)!;
      if (lot.expiredBy === null && (lot.expiresAt === null || lot.expiresAt > at)) {
        lot.remaining += u.points;
        left -= u.points;
      } else latest = Math.max(latest ?? -Infinity, lot.expiresAt!);
    }
    if (left > 0)
      this.lots.set(id, { id, points: left, remaining: left, expiresAt: latest, expiredBy: null });
  }

  /** The lots a run as of `asOf` expires: due, open, soonest first, never below zero. */
  due(asOf: number) {
    let available = this.balance();
    return [...this.lots.values()]
      .filter((l) => l.remaining > 0 && l.expiredBy === null && l.expiresAt !== null && l.expiresAt <= asOf)
      .sort((a, b) => a.expiresAt! - b.expiresAt! || a.id - b.id)
      .map((l) => {
        const take = Math.min(l.remaining, Math.max(available, 0));
        available -= l.remaining;
        return { lot: l.id, points: take, whole: take === l.remaining };
      })
      .filter((x) => x.whole)
      .map(({ lot, points }) => ({ lot, points }));
  }

  expired(id: number, lot: number, points: number, at: number) {
    this.rows.push({ id, points: -points, at, reverses: null });
    const l = this.lots.get(lot)!;
    l.remaining -= points;
    l.expiredBy = id;
    this.uses.set(id, [{ lot, points }]);
  }
}

const micros = `(extract(epoch FROM created_at) * 1000000)::bigint::text`;

async function rowsAfter(userId: number, afterId: number) {
  return (
    (await db.knex.raw(
      `SELECT id, type, points, reverses_id, expires_lot_id, ${micros} AS at FROM points_transactions
       WHERE user_id = ? AND id > ? ORDER BY id`,
      [userId, afterId],
    )) as {
      rows: Array<{
        id: number;
        type: string;
        points: number;
        reverses_id: number | null;
        expires_lot_id: number | null;
        at: string;
      }>;
    }
  ).rows;
}

async function dbLots(userId: number) {
  const lots = (
    (await db.knex.raw(
      `SELECT id, points, remaining, expired_by FROM points_lots WHERE user_id = ? ORDER BY id`,
      [userId],
    )) as { rows: Array<{ id: number; points: number; remaining: number; expired_by: number | null }> }
  ).rows;
  const uses = (
    (await db.knex.raw(
      `SELECT transaction_id, lot_id, points FROM points_lot_uses WHERE user_id = ? ORDER BY transaction_id, lot_id`,
      [userId],
    )) as { rows: unknown[] }
  ).rows;
  return { lots, uses };
}

const refusal = (e: unknown) => ['PK402', 'PK409'].includes((e as { code?: string }).code ?? '');

async function play(ops: Op[]): Promise<void> {
  const userId = nextUser++;
  await db.knex('users').insert({ id: userId, email: `p${userId}@example.test`, name: 'Property' });
  const model = new Model();
  let last = 0;
  for (const op of ops) {
    try {
      if (op.kind === 'credit')
        await db.knex.raw(`SELECT pointkeeper_earn(?, ?, 'p', ?)`, [
          userId,
          op.points,
          op.bonus ? 'bonus' : 'earned',
        ]);
      else if (op.kind === 'redeem')
        await db.knex.raw(`SELECT pointkeeper_redeem(?, ?, 'p')`, [userId, op.points]);
      else if (op.kind === 'reverse') {
        if (model.rows.length === 0) continue;
        const target = model.rows[op.pick % model.rows.length]!;
        await db.knex.raw(`SELECT pointkeeper_reverse(?, 'property')`, [target.id]);
      } else {
        // As of the time of one of the user's rows (or now): "random times".
        const at = model.rows.length === 0 ? null : model.rows[op.pick % (model.rows.length + 1)];
        await db.knex.raw(
          `SELECT pointkeeper_expire(coalesce((SELECT created_at FROM points_transactions WHERE id = ?), now()), ?, 1)`,
          [at?.id ?? null, userId - 1],
        );
        const asOf = at?.at ?? Number.MAX_SAFE_INTEGER;
        const expected = model.due(asOf);
        const written = (await rowsAfter(userId, last)).filter((r) => r.type === 'expired');
        expect(written.map((r) => ({ lot: r.expires_lot_id, points: -r.points }))).toEqual(expected);
      }
    } catch (error) {
      if (!refusal(error)) throw error;
      continue;
    }
    for (const r of await rowsAfter(userId, last)) {
      const at = Number(r.at);
      if (r.type === 'expired') model.expired(r.id, r.expires_lot_id!, -r.points, at);
      else if (r.points > 0 && r.reverses_id === null) model.credit(r.id, r.points, at, r.type === 'bonus');
      else if (r.points > 0) model.giveBack(r.id, r.points, at, r.reverses_id!);
      else model.debit(r.id, -r.points, at, r.reverses_id);
      last = r.id;
    }
  }
  const { lots, uses } = await dbLots(userId);
  // The database's lots are the model's.
  expect(lots.map((l) => ({ id: l.id, remaining: l.remaining, expired: l.expired_by !== null }))).toEqual(
    [...model.lots.values()]
      .sort((a, b) => a.id - b.id)
      .map((l) => ({ id: l.id, remaining: l.remaining, expired: l.expiredBy !== null })),
  );
  // Open lots add up to the balance (the log's SUM), no lot negative or above its points.
  const balance = Number(
    (
      (await db.knex('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first()) as {
        s: string | null;
      }
    ).s ?? 0,
  );
  expect(lots.reduce((s, l) => s + l.remaining, 0)).toBe(balance);
  for (const l of lots) expect(l.remaining >= 0 && l.remaining <= l.points).toBe(true);
  // Nothing expires twice: one expiry row per lot at most, and it is the lot's recorded one.
  const twice = (await db.knex.raw(
    `SELECT expires_lot_id FROM points_transactions WHERE user_id = ? AND type = 'expired'
     GROUP BY expires_lot_id HAVING count(*) > 1`,
    [userId],
  )) as { rows: unknown[] };
  expect(twice.rows).toEqual([]);
  expect(await lotDiscrepancies(db.knex, userId)).toEqual([]);
  // A rebuild from the log gives the same lots and uses.
  await db.knex.raw('SELECT pointkeeper_lots_rebuild(ARRAY[?]::int[])', [userId]);
  expect(await dbLots(userId)).toEqual({ lots, uses });
}

describe('lots under random histories', () => {
  it('match an independent model, add up to the balance, never go negative, expire once, rebuild the same', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), play), {
      numRuns: 60,
    });
  }, 240_000);

  it('a chain of the expiry rows verifies with the key (rows written set-based are sealed like any other)', async () => {
    const breaks = (await db.knex.raw('SELECT * FROM pointkeeper_chain_breaks()')) as { rows: unknown[] };
    expect(breaks.rows).toEqual([]);
    const n = (await db.knex.raw(
      `SELECT count(*)::int AS n FROM points_transactions WHERE type = 'expired'`,
    )) as {
      rows: Array<{ n: number }>;
    };
    expect(n.rows[0]!.n).toBeGreaterThan(0);
  });
});
