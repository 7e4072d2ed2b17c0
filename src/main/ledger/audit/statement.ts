import type { Knex } from 'knex';
import type { ParsedInput, UserStatement } from '../../../shared/contract';
import { notFound } from '../../errors';
import { iso } from '../dates';
import { toHistoryRow, userTransactions, type TransactionRow } from '../history';
import { logTotalsOf } from '../logTotals';

async function requireUser(db: Knex, userId: number): Promise<void> {
  if (!(await db('users').where({ id: userId }).first('id'))) throw notFound(`User ${userId}`);
}

/**
 * A statement for [from, to] from the log alone: the balance before `from`, the period's
 * credits and debits, the closing balance, and the rows oldest first with the running balance.
 */
export async function statement(db: Knex, input: ParsedInput<'audit.statement'>): Promise<UserStatement> {
  await requireUser(db, input.userId);
  const period = (await db('points_transactions')
    .where({ user_id: input.userId })
    .first(
      db.raw('coalesce(sum(points) FILTER (WHERE created_at < ?), 0)::bigint AS opening', [input.from]),
      db.raw(
        'coalesce(sum(points) FILTER (WHERE created_at BETWEEN ? AND ? AND points > 0), 0)::bigint AS credits',
        [input.from, input.to],
      ),
      db.raw(
        `coalesce(-sum(points) FILTER (WHERE created_at BETWEEN ? AND ? AND points < 0 AND type <> 'expired'), 0)::bigint AS debits`,
        [input.from, input.to],
      ),
      // Expired points are their own line: the member did not spend them.
      db.raw(
        `coalesce(-sum(points) FILTER (WHERE created_at BETWEEN ? AND ? AND type = 'expired'), 0)::bigint AS expired`,
        [input.from, input.to],
      ),
      db.raw('count(*) FILTER (WHERE created_at BETWEEN ? AND ?)::int AS n', [input.from, input.to]),
    )) as { opening: number; credits: number; debits: number; expired: number; n: number };
  const opening = Number(period.opening);
  const rows = (await userTransactions(db, input.userId)
    .whereBetween('t.created_at', [input.from, input.to])
    .select(
      db.raw('(? + sum(t.points) OVER (ORDER BY t.created_at, t.id))::bigint AS balance_after', [opening]),
    )
    .orderBy([
      { column: 't.created_at', order: 'asc' },
      { column: 't.id', order: 'asc' },
    ])
    .limit(input.limit)) as Array<TransactionRow & { balance_after: number }>;
  const credits = Number(period.credits);
  const debits = Number(period.debits);
  const expired = Number(period.expired);
  return {
    userId: input.userId,
    from: iso(input.from),
    to: iso(input.to),
    openingBalance: opening,
    credits,
    debits,
    expired,
    closingBalance: opening + credits - debits - expired,
    rows: rows.map((r) => ({ ...toHistoryRow(r), balanceAfter: Number(r.balance_after) })),
    truncated: period.n > rows.length,
  };
}

/** The balance as of a past moment: every row created at or before it. */
export async function balanceAt(
  db: Knex,
  input: ParsedInput<'audit.balanceAt'>,
): Promise<{ userId: number; at: string; balance: number; transactions: number }> {
  await requireUser(db, input.userId);
  const totals = await logTotalsOf(db, input.userId, input.at);
  return { userId: input.userId, at: iso(input.at), balance: totals.balance, transactions: totals.count };
}
