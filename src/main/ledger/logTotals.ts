import type { Knex } from 'knex';

/**
 * Per-user figures computed from the log alone — what the derived copies should say. Shared by
 * the audit (compare), the scan (compare for everyone) and recovery (rebuild).
 */
export interface LogTotals {
  userId: number;
  /** SUM(points): the balance the log explains. */
  balance: number;
  /** Sum of positive rows: what user_points.total_earned should be. */
  credits: number;
  /** Sum of negative rows as a positive number: what user_points.total_redeemed should be. */
  debits: number;
  count: number;
  firstAt: Date | null;
  lastAt: Date | null;
  /** Time of the last positive row: what user_points.last_earned_at should be. */
  lastEarnedAt: Date | null;
}

export interface LogTotalsFilter {
  /** Only these users (default: everyone who has rows). */
  userIds?: readonly number[];
  /** Only rows created at or before this moment: the figures as of then. */
  asOf?: Date | string;
}

/**
 * The sums alone, one row per user with rows in the log, columns
 * `user_id, balance, credits, debits, tx_count`: what a check of balances needs, without the
 * three min/max over timestamps that cost a fifth of a pass over the whole log (the scan's).
 */
export function logSumsQuery(db: Knex, filter: LogTotalsFilter = {}): Knex.QueryBuilder {
  const q = db('points_transactions')
    .select(
      'user_id',
      db.raw('sum(points)::bigint AS balance'),
      db.raw('coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS credits'),
      db.raw('coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS debits'),
      db.raw('count(*)::bigint AS tx_count'),
    )
    .groupBy('user_id');
  if (filter.userIds) q.whereIn('user_id', [...filter.userIds]);
  if (filter.asOf !== undefined) q.where('created_at', '<=', filter.asOf);
  return q;
}

/**
 * The aggregate as a Knex query, one row per user with rows in the log, columns
 * `user_id, balance, credits, debits, tx_count, first_at, last_at, last_earned_at` (sums are
 * bigint, read as numbers). Use it as a subquery: `db.from(logTotalsQuery(db).as('lt'))`.
 */
export function logTotalsQuery(db: Knex, filter: LogTotalsFilter = {}): Knex.QueryBuilder {
  return logSumsQuery(db, filter).select(
    db.raw('min(created_at) AS first_at'),
    db.raw('max(created_at) AS last_at'),
    db.raw('max(created_at) FILTER (WHERE points > 0) AS last_earned_at'),
  );
}

interface LogTotalsRow {
  user_id: number;
  balance: number;
  credits: number;
  debits: number;
  tx_count: number;
  first_at: Date | null;
  last_at: Date | null;
  last_earned_at: Date | null;
}

export const toLogTotals = (r: LogTotalsRow): LogTotals => ({
  userId: r.user_id,
  balance: Number(r.balance),
  credits: Number(r.credits),
  debits: Number(r.debits),
  count: Number(r.tx_count),
  firstAt: r.first_at,
  lastAt: r.last_at,
  lastEarnedAt: r.last_earned_at,
});

/** One user's totals; a user with no rows (yet, or as of `asOf`) gets zeros and nulls. */
export async function logTotalsOf(db: Knex, userId: number, asOf?: Date | string): Promise<LogTotals> {
  const row = (await logTotalsQuery(db, {
    userIds: [userId],
    ...(asOf !== undefined ? { asOf } : {}),
  }).first()) as LogTotalsRow | undefined;
  return row
    ? toLogTotals(row)
    : {
        userId,
        balance: 0,
        credits: 0,
        debits: 0,
        count: 0,
        firstAt: null,
        lastAt: null,
        lastEarnedAt: null,
      };
}
