import type { Knex } from 'knex';
import type { TransactionType } from '../../shared/contract';
import { contentSql } from './chain';

export interface NewTransaction {
  user_id: number;
  type: TransactionType;
  /** Signed: credits positive, debits negative. */
  points: number;
  description: string;
  order_id?: number | null;
  order_amount?: number | null;
  idempotency_key?: string | null;
  reverses_id?: number | null;
}

export interface StoredTransaction extends Required<NewTransaction> {
  id: number;
  created_at: Date;
  created_by: string;
  prev_hash: Buffer | null;
  row_hash: Buffer | null;
}

/**
 * The only way a row enters points_transactions. Callers must already hold the user's
 * user_points row lock (SELECT … FOR UPDATE), so rows of one user are appended one at a time
 * and each one's hash chains onto the user's previous row (see ./chain.ts). One statement: the
 * id, time and login are fixed first so the hash covers exactly what is stored.
 */
export async function appendTransaction(
  trx: Knex.Transaction,
  row: NewTransaction,
): Promise<StoredTransaction> {
  const result = await trx.raw(
    `WITH v AS MATERIALIZED (
       SELECT nextval('points_transactions_id_seq')::int AS id, ?::int AS user_id, ?::text AS type,
              ?::int AS points, ?::text AS description, ?::int AS order_id, ?::numeric(12, 2) AS order_amount,
              ?::int AS reverses_id, ?::text AS idempotency_key, current_user::text AS created_by,
              now() AS created_at,
              coalesce((SELECT p.row_hash FROM points_transactions p WHERE p.user_id = ?
                        ORDER BY p.id DESC LIMIT 1), '\\x'::bytea) AS prev_hash
     )
     INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount,
       reverses_id, idempotency_key, created_by, created_at, prev_hash, row_hash)
     SELECT v.*, sha256(v.prev_hash || convert_to(${contentSql('v')}, 'UTF8')) FROM v
     RETURNING *`,
    [
      row.user_id,
      row.type,
      row.points,
      row.description,
      row.order_id ?? null,
      row.order_amount ?? null,
      row.reverses_id ?? null,
      row.idempotency_key ?? null,
      row.user_id,
    ],
  );
  return (result as { rows: StoredTransaction[] }).rows[0]!;
}

/**
 * A backup restore: rows come back exactly as they were stored — ids, times, logins and chain
 * hashes included — from the staging table `source` (columns `columns`), those already present
 * (any unique rule) skipped. The hashes are not recomputed: the restore verifies every restored
 * user's chain afterwards, so a file whose rows were altered is refused instead of re-sealed.
 * The ids of users who received rows are recorded in the table `touched`.
 */
export async function insertRestored(
  trx: Knex,
  source: string,
  columns: readonly string[],
  touched: string,
): Promise<number> {
  const list = columns.map((c) => `"${c}"`).join(', ');
  const result = await trx.raw(
    `WITH ins AS (
       INSERT INTO points_transactions (${list}) SELECT ${list} FROM ?? s
       WHERE NOT EXISTS (SELECT 1 FROM points_transactions r WHERE r.id = s.id) ORDER BY s.id
       ON CONFLICT DO NOTHING RETURNING user_id
     ), users AS (INSERT INTO ?? SELECT DISTINCT user_id FROM ins ON CONFLICT DO NOTHING)
     SELECT count(*)::int AS n FROM ins`,
    [source, touched],
  );
  return (result as { rows: Array<{ n: number }> }).rows[0]!.n;
}
