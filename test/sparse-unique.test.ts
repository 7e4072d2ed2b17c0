import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/db';

/**
 * Migration 660 replaced four UNIQUE constraints on sparse columns with partial unique indexes.
 * They must refuse what the constraints refused — a second row with the same key — under the
 * same name, and hold no entry for the rows where the column is NULL.
 */
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  await db.knex.raw(`INSERT INTO users (id, email, name) VALUES (1, 'a@example.test', 'A')`);
  await db.knex.raw(`SELECT pointkeeper_earn(1, 100, 'first', 'earned')`);
  await db.knex.raw(`SELECT pointkeeper_earn(1, 50, 'second', 'bonus')`);
});
afterAll(() => db.close());

const SPARSE = [
  ['points_transactions', 'points_transactions_idempotency_key_unique', 'idempotency_key'],
  ['points_transactions', 'points_transactions_reverses_id_unique', 'reverses_id'],
  ['points_transactions', 'points_transactions_expires_lot_id_key', 'expires_lot_id'],
  ['points_lots', 'points_lots_expired_by_key', 'expired_by'],
] as const;

it('keeps each sparse column unique under its old name, indexing only the rows that have a value', async () => {
  for (const [table, name, column] of SPARSE) {
    const { rows } = (await db.knex.raw(
      `SELECT x.indisunique AS "unique", pg_get_expr(x.indpred, x.indrelid) AS predicate
       FROM pg_index x WHERE x.indexrelid = ?::regclass AND x.indrelid = ?::regclass`,
      [name, table],
    )) as { rows: Array<{ unique: boolean; predicate: string }> };
    expect(rows).toEqual([{ unique: true, predicate: `(${column} IS NOT NULL)` }]);
  }
  // Two log rows, none with a value in these columns: nothing was indexed for them.
  const stats = (await db.knex.raw(
    `SELECT count(*)::int AS n FROM points_transactions WHERE idempotency_key IS NOT NULL OR reverses_id IS NOT NULL`,
  )) as { rows: Array<{ n: number }> };
  expect(stats.rows[0]!.n).toBe(0);
  await db.knex.raw('VACUUM ANALYZE points_transactions');
  const { rows: sizes } = (await db.knex.raw(
    `SELECT relname, reltuples::int AS tuples FROM pg_class WHERE relname IN (?, ?) ORDER BY relname`,
    [SPARSE[0][1], SPARSE[1][1]],
  )) as { rows: Array<{ relname: string; tuples: number }> };
  expect(sizes.map((s) => s.tuples)).toEqual([0, 0]);
});

it('refuses a second log row with the same idempotency key or reversing the same row, naming the rule', async () => {
  const first = (await db.knex('points_transactions').where({ user_id: 1 }).orderBy('id').first()) as {
    id: number;
  };
  // Behind the write API (as a superuser may): the index itself has to refuse.
  const insertTwice = (values: string) =>
    db.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(
        `INSERT INTO points_transactions (user_id, type, points, description, reverses_id, idempotency_key, created_by)
         VALUES ${values}`,
      );
    });
  await expect(
    insertTwice(`(1, 'earned', 1, 'a', NULL, 'key-1', 'test'), (1, 'earned', 1, 'b', NULL, 'key-1', 'test')`),
  ).rejects.toMatchObject({ code: '23505', constraint: 'points_transactions_idempotency_key_unique' });
  await expect(
    insertTwice(
      `(1, 'adjustment', -1, 'a', ${first.id}, NULL, 'test'), (1, 'adjustment', -1, 'b', ${first.id}, NULL, 'test')`,
    ),
  ).rejects.toMatchObject({ code: '23505', constraint: 'points_transactions_reverses_id_unique' });
  // One of each is accepted: only the duplicate was refused.
  await expect(
    insertTwice(
      `(1, 'earned', 1, 'a', NULL, 'key-2', 'test'), (1, 'adjustment', -1, 'b', ${first.id}, NULL, 'test')`,
    ),
  ).resolves.toBeUndefined();
});
