import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainBreaksOf, chainBreaksQuery } from '../../src/main/ledger/chain';
import { logTotalsOf, logTotalsQuery } from '../../src/main/ledger/logTotals';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let nextUser = 2_000_000;

async function ok<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

async function newUser(): Promise<number> {
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `c${id}@example.test`, name: `Chain ${id}` });
  return id;
}

/** The documented canonical content, rebuilt in JavaScript from a stored row. */
function contentOf(r: Record<string, unknown>): string {
  const at = (r.created_at as Date).toISOString().replace('Z', '');
  const micros = `${at}${String(r.created_at_us).padStart(3, '0')}Z`;
  const values = [
    r.id,
    r.user_id,
    r.type,
    r.points,
    r.description,
    r.order_id,
    r.order_amount === null ? null : Number(r.order_amount).toFixed(2),
    r.reverses_id,
    r.idempotency_key,
    r.created_by,
    micros,
  ];
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

/** Edits rows as a superuser with the append-only triggers off: tampering behind the app's back. */
async function tamper(sql: string, bindings: unknown[]): Promise<void> {
  await db.knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    await trx.raw(sql, bindings as never);
  });
}

beforeAll(async () => {
  db = await createTestDb();
  await ok(db.call('demo.generate', { users: 30, transactions: 400, discrepancies: 0 }));
});
afterAll(() => db.close());

describe('the hash chain', () => {
  it('seals every demo row, set-based, with an intact chain', async () => {
    const unsealed = await db.knex('points_transactions').whereNull('row_hash').count({ n: '*' }).first();
    expect(unsealed?.n).toBe(0);
    expect(await chainBreaksQuery(db.knex)).toEqual([]);
  });

  it('chains earn, redeem and reverse rows onto the previous row, in the documented format', async () => {
    const userId = await newUser();
    await ok(
      db.call('points.earn', {
        userId,
        points: 120,
        description: 'Order "7" | ünïcode \\ line',
        orderAmount: 9.5,
      }),
    );
    const r = await ok(db.call('points.redeem', { userId, points: 20, description: 'voucher' }));
    await ok(db.call('points.reverse', { transactionId: r.transactionId, reason: 'mistake' }));
    const rows = (await db
      .knex('points_transactions')
      .where({ user_id: userId })
      .orderBy('id')
      .select('*', db.knex.raw(`to_char(created_at, 'US')::int % 1000 AS created_at_us`))) as Array<
      Record<string, unknown>
    >;
    expect(rows).toHaveLength(3);
    // HMAC-SHA256 with the database's key, which the test's superuser may read (staff may not).
    const { chain_key: key } = (await db.knex('pointkeeper_keys').first('chain_key')) as {
      chain_key: Buffer;
    };
    let prev = Buffer.alloc(0);
    for (const row of rows) {
      expect(row.prev_hash).toEqual(prev);
      const expected = createHmac('sha256', key).update(prev).update(contentOf(row), 'utf8').digest();
      expect(row.row_hash).toEqual(expected);
      prev = expected;
    }
    expect(await chainBreaksOf(db.knex, userId)).toEqual([]);
  });

  it('names the row a superuser edited with the triggers disabled', async () => {
    const userId = await newUser();
    const ids: number[] = [];
    for (const points of [10, 20, 30, 40]) {
      ids.push(
        (await ok(db.call('points.earn', { userId, points, description: `credit ${points}` }))).transactionId,
      );
    }
    await tamper('UPDATE points_transactions SET points = 3000 WHERE id = ?', [ids[1]]);
    expect(await chainBreaksOf(db.knex, userId)).toEqual([
      { userId, transactionId: ids[1], previousId: ids[0], kind: 'altered' },
    ]);
  });

  it('names the row after one that was deleted, and a row inserted without a seal', async () => {
    const userId = await newUser();
    const ids: number[] = [];
    for (const points of [5, 6, 7]) {
      ids.push(
        (await ok(db.call('points.earn', { userId, points, description: `credit ${points}` }))).transactionId,
      );
    }
    await tamper('DELETE FROM points_transactions WHERE id = ?', [ids[1]]);
    expect(await chainBreaksOf(db.knex, userId)).toEqual([
      { userId, transactionId: ids[2], previousId: ids[0], kind: 'removed' },
    ]);
    const [inserted] = await db
      .knex('points_transactions')
      .insert({ user_id: userId, type: 'bonus', points: 500, description: 'forged' })
      .returning('id');
    const forged = inserted!.id;
    const breaks = await chainBreaksOf(db.knex, userId);
    expect(breaks.map((b) => [b.transactionId, b.kind])).toEqual([
      [ids[2], 'removed'],
      [forged, 'unsealed'],
    ]);
  });
});

describe('logTotals', () => {
  it('gives balance, credits, debits, count and times from the log, also as of a moment', async () => {
    const userId = await newUser();
    const first = await ok(db.call('points.earn', { userId, points: 300, description: 'a' }));
    // Exact to the microsecond: a JS Date would cut the row's own time short.
    const { at, exact } = (await db
      .knex('points_transactions')
      .where({ id: first.transactionId })
      .first(db.knex.raw('created_at AS at, created_at::text AS exact'))) as { at: Date; exact: string };
    await new Promise((r) => setTimeout(r, 5));
    await ok(db.call('points.redeem', { userId, points: 120, description: 'b' }));
    const totals = await logTotalsOf(db.knex, userId);
    expect(totals).toMatchObject({ userId, balance: 180, credits: 300, debits: 120, count: 2 });
    expect(totals.lastEarnedAt).toEqual(at);
    expect(await logTotalsOf(db.knex, userId, exact as string)).toMatchObject({
      balance: 300,
      debits: 0,
      count: 1,
    });
    expect(await logTotalsOf(db.knex, 999_999_999)).toMatchObject({ balance: 0, count: 0, firstAt: null });
    const all = await db.knex.from(logTotalsQuery(db.knex).as('lt')).count({ n: '*' }).first();
    const users = await db.knex('points_transactions').countDistinct({ n: 'user_id' }).first();
    expect(all?.n).toBe(users?.n);
  });
});
