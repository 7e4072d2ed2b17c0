import type { Knex } from 'knex';

/**
 * The log's keyed hash chain (migrations/20261125_004_audit_chain.ts for the content,
 * 20261202_100_write_api.ts for the key; README "Audit"):
 * row_hash = HMAC-SHA256(key, prev_hash || utf8(pointkeeper_tx_content(row))), prev_hash = the
 * user's previous row_hash (by id) or the empty string for their first row. The key is readable
 * by the database's owner role only: rows are sealed by the write functions and checked by
 * pointkeeper_chain_breaks, never here.
 */

/** Every column the canonical content covers, in the order pointkeeper_tx_content takes them. */
export const CHAIN_COLUMNS = [
  'id',
  'user_id',
  'type',
  'points',
  'description',
  'order_id',
  'order_amount',
  'reverses_id',
  'idempotency_key',
  'created_by',
  'created_at',
] as const;

/** SQL for a row's canonical content, its columns read from `alias`. */
export function contentSql(alias: string): string {
  return `pointkeeper_tx_content(${CHAIN_COLUMNS.map((c) => `${alias}.${c}`).join(', ')})`;
}

/**
 * Moves rows from a staging relation into the log with their chain computed set-based, one pass
 * (the demo generator writes this way; it needs a login that may read the key — a superuser). `source` must be a table name with
 * every CHAIN_COLUMNS column filled (id included; they are all the log's content columns); its
 * rows must come after, in id, every row already stored for their users: each user's chain
 * continues from their last stored hash.
 */
export async function insertSealed(trx: Knex.Transaction, source: string): Promise<number> {
  const cols = CHAIN_COLUMNS.join(', ');
  const result = await trx.raw(
    `WITH seeds AS MATERIALIZED (
       SELECT u.user_id, (SELECT p.row_hash FROM points_transactions p WHERE p.user_id = u.user_id
                          ORDER BY p.id DESC LIMIT 1) AS seed
       FROM (SELECT DISTINCT user_id FROM ??) u
     ), hashed AS (
       SELECT ${CHAIN_COLUMNS.map((c) => `s.${c}`).join(', ')}, seeds.seed,
              pointkeeper_hmac_chain(seeds.seed, ${contentSql('s')}, (SELECT chain_key FROM pointkeeper_keys)) OVER w AS row_hash
       FROM ?? s JOIN seeds ON seeds.user_id = s.user_id
       WINDOW w AS (PARTITION BY s.user_id ORDER BY s.id)
     )
     INSERT INTO points_transactions (${cols}, prev_hash, row_hash)
     SELECT ${cols}, coalesce(lag(row_hash) OVER (PARTITION BY user_id ORDER BY id), seed, '\\x'::bytea), row_hash
     FROM hashed`,
    [source, source],
  );
  return (result as { rowCount: number }).rowCount;
}

export type ChainBreakKind = 'unsealed' | 'altered' | 'removed';

export interface ChainBreak {
  userId: number;
  transactionId: number;
  /** The user's row before this one (by id), if any. */
  previousId: number | null;
  kind: ChainBreakKind;
}

/**
 * Every row whose link fails, as a Knex query (columns user_id, transaction_id, previous_id,
 * kind), checked set-based in one pass over the log (optionally of a user id range) by the
 * database's pointkeeper_chain_breaks, which holds the key:
 * - `unsealed`: no hash — the row was inserted behind the application's back;
 * - `altered`: row_hash ≠ HMAC(prev_hash || content) — the row was edited after it was written,
 *   or inserted with a hash computed without the key;
 * - `removed`: prev_hash ≠ the previous row's row_hash — a row before it is gone (or that
 *   previous row's hash was rewritten).
 * The removal of a user's very last row leaves no successor to notice it; the balance check
 * (user_points ≠ log) catches that.
 */
export function chainBreaksQuery(db: Knex, users?: readonly [number, number]): Knex.QueryBuilder {
  return db
    .from(db.raw('pointkeeper_chain_breaks(?::int, ?::int) AS l', users ? [...users] : [null, null]))
    .select('l.user_id', 'l.transaction_id', 'l.previous_id', 'l.kind');
}

/** One user's breaks, first (by id) first. */
export async function chainBreaksOf(db: Knex, userId: number): Promise<ChainBreak[]> {
  const rows = (await chainBreaksQuery(db, [userId, userId]).orderBy('transaction_id')) as Array<{
    user_id: number;
    transaction_id: number;
    previous_id: number | null;
    kind: ChainBreakKind;
  }>;
  return rows.map((r) => ({
    userId: r.user_id,
    transactionId: r.transaction_id,
    previousId: r.previous_id,
    kind: r.kind,
  }));
}
