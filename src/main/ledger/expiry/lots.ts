import type { Knex } from 'knex';
import type { ExpiringSoon, Lot, LotStatus, LotUse, UserLots } from '../../../shared/contract';
import { notFound } from '../../errors';
import { iso, isoOrNull } from '../dates';
import { lotDiscrepancies } from './check';

interface LotRow {
  id: number;
  source: 'credit' | 'returned';
  credit_type: string;
  points: number;
  remaining: number;
  expires_at: Date | null;
  created_at: Date;
  expired_by: number | null;
  uses: Array<{ transactionId: number; type: string; points: number; createdAt: string }> | null;
}

const statusOf = (r: LotRow): LotStatus =>
  r.expired_by !== null ? 'expired' : r.remaining > 0 ? 'open' : 'spent';

/** Points in open lots due within 30/60/90 days of the database's now, and already overdue. */
export async function expiringSoon(db: Knex, userIds: number[]): Promise<Map<number, ExpiringSoon>> {
  const rows = (
    (await db.raw(
      `SELECT x.id AS user_id, now() AS as_of,
              coalesce(sum(l.remaining) FILTER (WHERE l.expires_at <= now()), 0)::int AS overdue,
              coalesce(sum(l.remaining) FILTER (WHERE l.expires_at <= now() + interval '30 days'), 0)::int AS d30,
              coalesce(sum(l.remaining) FILTER (WHERE l.expires_at <= now() + interval '60 days'), 0)::int AS d60,
              coalesce(sum(l.remaining) FILTER (WHERE l.expires_at <= now() + interval '90 days'), 0)::int AS d90
       FROM unnest(?::int[]) x(id)
       LEFT JOIN points_lots l ON l.user_id = x.id AND l.remaining > 0 AND l.expires_at IS NOT NULL
         AND l.expired_by IS NULL
       GROUP BY x.id`,
      [userIds],
    )) as {
      rows: Array<{ user_id: number; as_of: Date; overdue: number; d30: number; d60: number; d90: number }>;
    }
  ).rows;
  return new Map(
    rows.map((r) => [
      r.user_id,
      { days30: r.d30, days60: r.d60, days90: r.d90, overdue: r.overdue, asOf: iso(r.as_of) },
    ]),
  );
}

/** Every lot of a user, newest first, with the rows that took from or gave back to it. */
export async function userLots(db: Knex, userId: number): Promise<UserLots> {
  const user = await db('users').where({ id: userId }).first('id');
  if (!user) throw notFound(`User ${userId}`);
  const [lots, balance, expiring, discrepancies] = await Promise.all([
    db.raw(
      `SELECT l.*, (SELECT json_agg(json_build_object('transactionId', u.transaction_id, 'type', t.type,
                      'points', u.points, 'createdAt', t.created_at) ORDER BY u.transaction_id)
                    FROM points_lot_uses u JOIN points_transactions t ON t.id = u.transaction_id
                    WHERE u.lot_id = l.id) AS uses
       FROM points_lots l WHERE l.user_id = ? ORDER BY l.id DESC LIMIT 1000`,
      [userId],
    ) as Promise<{ rows: LotRow[] }>,
    db('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first() as Promise<{
      s: string | null;
    }>,
    expiringSoon(db, [userId]),
    lotDiscrepancies(db, userId),
  ]);
  const list: Lot[] = lots.rows.map((r) => ({
    id: r.id,
    source: r.source,
    type: r.credit_type,
    points: r.points,
    remaining: r.remaining,
    expiresAt: isoOrNull(r.expires_at),
    createdAt: iso(r.created_at),
    expiredBy: r.expired_by,
    status: statusOf(r),
    uses: (r.uses ?? []).map((u): LotUse => ({ ...u, createdAt: iso(u.createdAt) })),
  }));
  return {
    userId,
    balance: Number(balance.s ?? 0),
    openLots: list.filter((l) => l.status === 'open').length,
    expiring: expiring.get(userId)!,
    lots: list,
    discrepancies,
  };
}
