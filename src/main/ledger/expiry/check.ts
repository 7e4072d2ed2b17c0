import type { Knex } from 'knex';
import type { LotDiscrepancy } from '../../../shared/contract';

/**
 * Lot discrepancies, set-based, for one user or everyone. Lots are derived from the log, so
 * each kind is a way the derived structure and the log disagree:
 * - lot_totals_mismatch: the user's open lots do not add up to the log's balance;
 * - lot_over_consumed: a lot's uses exceed its points, or its `remaining` disagrees with them;
 * - lot_unfunded: a debit no lot held (history older than lots, or a broken structure);
 * - expiry_missing: a lot due by a finished expiry run's as-of still has points;
 * - expiry_duplicated: an expired row that is not its lot's one expiry (a second one, or none).
 */
export function lotDiscrepanciesSql(userId: number | null): { sql: string; bindings: Knex.RawBinding[] } {
  const u = (col: string) => `(?::int IS NULL OR ${col} = ?::int)`;
  const sql = `
    SELECT 'lot_totals_mismatch' AS kind, b.user_id AS "userId", NULL::int AS "lotId",
           format('open lots hold %s points, the log says %s', coalesce(l.open, 0), b.balance) AS detail
    FROM (SELECT user_id, sum(points)::bigint AS balance FROM points_transactions WHERE ${u('user_id')} GROUP BY user_id) b
    LEFT JOIN (SELECT user_id, sum(remaining)::bigint AS open FROM points_lots WHERE ${u('user_id')} GROUP BY user_id) l
      ON l.user_id = b.user_id
    WHERE coalesce(l.open, 0) <> b.balance
    UNION ALL
    SELECT 'lot_over_consumed', l.user_id, l.id,
           format('lot of %s points: uses take %s, remaining says %s', l.points, coalesce(s.used, 0), l.remaining)
    FROM points_lots l
    LEFT JOIN (SELECT lot_id, sum(points)::bigint AS used FROM points_lot_uses WHERE ${u('user_id')} GROUP BY lot_id) s
      ON s.lot_id = l.id
    WHERE ${u('l.user_id')} AND (coalesce(s.used, 0) > l.points OR l.remaining <> l.points - coalesce(s.used, 0))
    UNION ALL
    SELECT 'lot_unfunded', x.user_id, NULL, format('transaction %s took %s points no lot held', x.transaction_id, x.points)
    FROM points_lot_uses x WHERE x.lot_id IS NULL AND ${u('x.user_id')}
    UNION ALL
    SELECT 'expiry_missing', l.user_id, l.id,
           format('%s points were due %s and an expiry run as of %s has finished', l.remaining, l.expires_at, r.as_of)
    FROM points_lots l
    JOIN LATERAL (SELECT max((o.input->>'asOf')::timestamptz) AS as_of FROM operations_log o
                  WHERE o.action = 'expiry.run' AND o.outcome = 'ok' AND o.at >= l.created_at) r ON true
    WHERE ${u('l.user_id')} AND l.remaining > 0 AND l.expired_by IS NULL AND l.expires_at <= r.as_of
    UNION ALL
    SELECT 'expiry_duplicated', t.user_id, t.expires_lot_id,
           format('expired row %s is not lot %s''s one expiry', t.id, t.expires_lot_id)
    FROM points_transactions t
    WHERE t.type = 'expired' AND ${u('t.user_id')}
      AND NOT EXISTS (SELECT 1 FROM points_lots l WHERE l.id = t.expires_lot_id AND l.expired_by = t.id
                      AND l.user_id = t.user_id)`;
  const b = [userId, userId];
  return { sql, bindings: [...b, ...b, ...b, ...b, ...b, ...b, ...b] };
}

export async function lotDiscrepancies(
  db: Knex,
  userId: number | null,
  limit = 100,
): Promise<LotDiscrepancy[]> {
  const { sql, bindings } = lotDiscrepanciesSql(userId);
  const r = (await db.raw(`SELECT * FROM (${sql}) d ORDER BY "userId", kind LIMIT ?`, [
    ...bindings,
    limit,
  ])) as {
    rows: LotDiscrepancy[];
  };
  return r.rows;
}
