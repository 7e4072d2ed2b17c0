import type { Knex } from 'knex';
import { notFound } from '../errors';

export interface UserPointsRow {
  id: number;
  user_id: number;
  points: number;
  total_earned: number;
  total_redeemed: number;
  last_earned_at: Date | null;
}

/**
 * Takes the user's ledger lock: their user_points row, FOR UPDATE, created on first use. Every
 * write holds it before reading a balance, so concurrent writes for one user run one at a time
 * and none is lost. An unknown user is NOT_FOUND: the console never invents customers.
 */
export async function lockUserPoints(trx: Knex.Transaction, userId: number): Promise<UserPointsRow> {
  const lockRow = () =>
    trx('user_points').where({ user_id: userId }).forUpdate().first() as Promise<UserPointsRow | undefined>;
  // Fast path: the row exists (and, by its foreign key, so does the user).
  const existing = await lockRow();
  if (existing) return existing;
  const user = await trx('users').where({ id: userId }).first('id');
  if (!user) throw notFound(`User ${userId}`);
  // Two first-ever writes may race here: ON CONFLICT makes the loser wait, then do nothing.
  await trx('user_points').insert({ user_id: userId }).onConflict('user_id').ignore();
  const row = await lockRow();
  if (!row) throw notFound(`User ${userId}`);
  return row;
}

/**
 * Applies a signed change to the derived copies (user_points and the legacy users.rewards) in
 * the same transaction as the log row, so the three never disagree. last_earned_at is the log
 * row's created_at, which is this transaction's now(): taken in SQL, because a JS Date would
 * cut it to milliseconds and it would never equal the log's value again.
 */
export async function applyToCopies(
  trx: Knex.Transaction,
  locked: UserPointsRow,
  change: number,
): Promise<number> {
  const points = locked.points + change;
  // One round trip for both copies: this runs on every earn and redeem.
  await trx.raw(
    `WITH up AS (
       UPDATE user_points SET points = ?, total_earned = ?, total_redeemed = ?,
              last_earned_at = CASE WHEN ? THEN now() ELSE last_earned_at END, updated_at = now()
       WHERE id = ? RETURNING user_id)
     UPDATE users SET rewards = ?, updated_at = now() WHERE id = (SELECT user_id FROM up)`,
    [
      points,
      locked.total_earned + Math.max(change, 0),
      locked.total_redeemed + Math.max(-change, 0),
      change > 0,
      locked.id,
      points,
    ],
  );
  return points;
}

/** The balance right after a given row, from the log alone (rows of a user are appended in id order). */
export async function balanceAfter(trx: Knex, userId: number, transactionId: number): Promise<number> {
  const row = (await trx('points_transactions')
    .where({ user_id: userId })
    .andWhere('id', '<=', transactionId)
    .sum({ s: 'points' })
    .first()) as { s: number | null } | undefined;
  return Number(row?.s ?? 0);
}
