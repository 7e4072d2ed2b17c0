import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

/**
 * The set-based lot build (migration 620) must give exactly what the row-by-row rules give, on a
 * varied ledger: credits of types with different expiry policies (one of which changes midway),
 * redemptions in and out of order with those credits, debits no lot can fund, reversals of
 * credits and of debits, expiry rows, and created_at not always following id. Both builds run
 * over the same users and their lots and uses are compared row for row.
 */
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('earned', interval '12 months', '2000-01-01T00:00:00Z', 'test'),
            ('bonus', interval '90 days', '2000-01-01T00:00:00Z', 'test'),
            ('earned', interval '6 months', '2025-06-01T00:00:00Z', 'test')`,
  );
});
afterAll(() => db.close());

/** mulberry32: the same ledger every run, so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  id: number;
  user_id: number;
  type: string;
  points: number;
  description: string;
  created_at: Date;
  reverses_id: number | null;
  expires_lot_id: number | null;
}

type Profile = 'demo' | 'interleaved' | 'unfunded' | 'reversals';
const PROFILES: Profile[] = ['demo', 'interleaved', 'unfunded', 'reversals'];
const CREDIT_TYPES = ['earned', 'bonus', 'signup', 'adjustment'];

function ledger(firstUser: number, users: number, firstId: number): { users: number[]; rows: Row[] } {
  const next = random(20261202);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const rows: Row[] = [];
  const ids: number[] = [];
  let id = firstId;
  for (let u = 0; u < users; u++) {
    const userId = firstUser + u;
    ids.push(userId);
    const profile = PROFILES[u % PROFILES.length]!;
    let at = Date.parse('2025-01-01T00:00:00Z') + next() * 200 * 86_400_000;
    const mine: Row[] = [];
    const add = (type: string, points: number, extra: Partial<Row> = {}) => {
      // Mostly forward in time; now and then a row dated before the one it follows.
      at += (next() < 0.1 ? -3 : 1) * next() * 40 * 86_400_000;
      const row: Row = {
        id: id++,
        user_id: userId,
        type,
        points,
        description: `${type} ${points}`,
        created_at: new Date(at),
        reverses_id: null,
        expires_lot_id: null,
        ...extra,
      };
      mine.push(row);
    };
    const credit = () => add(pick(CREDIT_TYPES), 1 + Math.floor(next() * 500));
    const debit = (max: number) => add('redeemed', -(1 + Math.floor(next() * max)));
    const n = 1 + Math.floor(next() * 12);
    if (profile === 'demo') {
      for (let i = 0; i < n; i++) credit();
      for (let i = 0; i < n / 3; i++) debit(150);
    } else if (profile === 'interleaved' || profile === 'unfunded') {
      for (let i = 0; i < n; i++) {
        if (next() < 0.55) credit();
        else debit(profile === 'unfunded' ? 900 : 200);
      }
      if (profile === 'unfunded' && next() < 0.5) add('adjustment', -(1 + Math.floor(next() * 2000)));
    } else {
      for (let i = 0; i < n; i++) {
        if (next() < 0.6) credit();
        else debit(200);
      }
      const taken = new Set<number>();
      const lots = new Set<number>();
      for (let i = 0; i < 3; i++) {
        const target = pick(mine);
        if (target.reverses_id !== null || target.type === 'expired') continue;
        if (next() < 0.5 && !taken.has(target.id)) {
          taken.add(target.id);
          add('adjustment', -target.points, { reverses_id: target.id });
        } else if (target.points > 0 && !lots.has(target.id)) {
          lots.add(target.id);
          add('expired', -Math.max(1, Math.floor(target.points * next())), { expires_lot_id: target.id });
        }
      }
    }
    rows.push(...mine);
  }
  return { users: ids, rows };
}

type LotRow = Record<string, unknown>;

async function lotsOf(users: number[]): Promise<{ lots: LotRow[]; uses: LotRow[] }> {
  const lots = (await db.knex.raw(
    `SELECT id, user_id, source, credit_type, points, remaining, expires_at, created_at, expired_by
     FROM points_lots WHERE user_id = ANY(?) ORDER BY id`,
    [users],
  )) as { rows: LotRow[] };
  const uses = (await db.knex.raw(
    `SELECT transaction_id, lot_id, user_id, points FROM points_lot_uses WHERE user_id = ANY(?)
     ORDER BY transaction_id, lot_id NULLS LAST`,
    [users],
  )) as { rows: LotRow[] };
  return { lots: lots.rows, uses: uses.rows };
}

it('builds exactly the lots and uses the row-by-row rules build, and leaves to them the users it cannot', async () => {
  const firstId = 7_000_000;
  const { users, rows } = ledger(8_100_000, 400, firstId);
  await db.knex('users').insert(users.map((id) => ({ id, email: `s${id}@example.test`, name: 'Set' })));
  for (let i = 0; i < rows.length; i += 500)
    await db.knex('points_transactions').insert(rows.slice(i, i + 500));

  await db.knex.raw('SELECT pointkeeper__lots_rebuild_rows(?::int[])', [users]);
  const byRow = await lotsOf(users);
  expect(byRow.lots.length).toBeGreaterThan(1000);
  expect(byRow.uses.some((u) => u.lot_id === null)).toBe(true);
  expect(byRow.lots.some((l) => l.source === 'returned')).toBe(true);
  expect(byRow.lots.some((l) => l.expired_by !== null)).toBe(true);

  await db.knex.raw('SELECT pointkeeper__lots_rebuild(?::int[])', [users]);
  const bySet = await lotsOf(users);
  expect(bySet).toEqual(byRow);

  // Both paths ran: most users set-based; those with reversals or expiries, and those a later
  // credit that expires sooner would have reached first, row by row.
  await db.knex.raw('DELETE FROM points_lot_uses WHERE user_id = ANY(?)', [users]);
  await db.knex.raw('DELETE FROM points_lots WHERE user_id = ANY(?)', [users]);
  const left = (await db.knex.raw('SELECT pointkeeper__lots_build_set(?::int[]) AS rest', [users])) as {
    rows: Array<{ rest: number[] }>;
  };
  const rest = new Set(left.rows[0]!.rest);
  const complex = new Set(
    rows.filter((r) => r.reverses_id !== null || r.type === 'expired').map((r) => r.user_id),
  );
  for (const u of complex) expect(rest.has(u)).toBe(true);
  const reordered = [...rest].filter((u) => !complex.has(u));
  expect(reordered.length).toBeGreaterThan(0);
  // A demo-like history (every credit before the debits) never needs the row-by-row rules.
  const demo = users.filter((_, i) => PROFILES[i % PROFILES.length] === 'demo');
  expect(demo.filter((u) => rest.has(u))).toEqual([]);
  const interleaved = users.filter((_, i) => PROFILES[i % PROFILES.length] === 'interleaved');
  expect(interleaved.filter((u) => !rest.has(u)).length).toBeGreaterThan(interleaved.length / 4);
});
