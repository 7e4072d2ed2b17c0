import type { Knex } from 'knex';
import { z } from 'zod';
import type { HistoryRow, Page, ParsedInput, TransactionType } from '../../shared/contract';
import { decodeCursor, encodeCursor } from './cursor';
import { iso } from './dates';
import { formatPoints } from '../../shared/format';

/** A log row as `userTransactions` selects it. */
export interface TransactionRow {
  id: number;
  type: TransactionType;
  points: number;
  description: string;
  order_id: number | null;
  order_amount: number | null;
  created_at: Date;
  created_by: string;
  reverses_id: number | null;
  reversed_by_id: number | null;
  /** The user's current balance, for whether a credit's points are still there to take back. */
  balance: number | null;
  /** Whether the reward a redemption paid for was used. */
  redemption_used: boolean | null;
  lots: Array<{ lotId: number | null; points: number }> | null;
}

/** A user's log rows with the id of the row that reversed each (history and statements). */
export function userTransactions(db: Knex, userId: number): Knex.QueryBuilder {
  return db('points_transactions as t')
    .leftJoin('points_transactions as r', 'r.reverses_id', 't.id')
    .leftJoin('user_points_redemptions as d', 'd.transaction_id', 't.id')
    .where('t.user_id', userId)
    .select(
      't.id',
      't.type',
      't.points',
      't.description',
      't.order_id',
      't.order_amount',
      't.created_at',
      't.created_by',
      't.reverses_id',
      'r.id as reversed_by_id',
      'd.is_used as redemption_used',
      db.raw('(SELECT p.points FROM user_points p WHERE p.user_id = t.user_id) AS balance'),
      db.raw(`(SELECT json_agg(json_build_object('lotId', u.lot_id, 'points', u.points) ORDER BY u.lot_id)
               FROM points_lot_uses u WHERE u.transaction_id = t.id) AS lots`),
    );
}

/**
 * Why pointkeeper_reverse would refuse this row today, or null when it would not: the same rules,
 * read ahead so the console offers "Reverse…" only where it can succeed.
 */
function notReversible(r: TransactionRow): string | null {
  if (r.reverses_id !== null) return `It is the reversal of transaction ${r.reverses_id}.`;
  if (r.reversed_by_id !== null) return `Already reversed by transaction ${r.reversed_by_id}.`;
  if (r.redemption_used) return 'It paid for a reward that was already used.';
  if (r.points > (r.balance ?? 0))
    return `Its ${formatPoints(r.points)} were already spent (balance ${formatPoints(r.balance ?? 0)}).`;
  return null;
}

const historyCursor = z.tuple([z.string(), z.number().int()]);

export const toHistoryRow = (r: TransactionRow): HistoryRow => ({
  id: r.id,
  type: r.type,
  points: r.points,
  description: r.description,
  orderId: r.order_id,
  orderAmount: r.order_amount,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
  reversesId: r.reverses_id,
  reversedById: r.reversed_by_id,
  notReversible: notReversible(r),
  lots: r.lots ?? [],
});

/**
 * A user's transactions newest first, paged by keyset on (created_at, id) so page 1,000 of a
 * user with 100,000 rows costs what page 1 does (index points_transactions_user_history_idx).
 */
export async function history(db: Knex, input: ParsedInput<'points.history'>): Promise<Page<HistoryRow>> {
  const q = userTransactions(db, input.userId)
    // Exact to the microsecond (a JS Date keeps milliseconds): the cursor must not skip rows.
    .select(db.raw('t.created_at::text AS cursor_at'))
    .orderBy([
      { column: 't.created_at', order: 'desc' },
      { column: 't.id', order: 'desc' },
    ])
    .limit(input.limit + 1);
  if (input.types?.length) q.whereIn('t.type', input.types);
  if (input.from) q.where('t.created_at', '>=', input.from);
  if (input.to) q.where('t.created_at', '<=', input.to);
  if (input.cursor !== null) {
    const [at, id] = decodeCursor(input.cursor, historyCursor);
    q.whereRaw('(t.created_at, t.id) < (?::timestamptz, ?)', [at, id]);
  }
  const rows = (await q) as Array<TransactionRow & { cursor_at: string }>;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(toHistoryRow),
    nextCursor: rows.length > input.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}
