import type { Knex } from 'knex';
import { logTotalsQuery } from '../logTotals';

/**
 * Takes the ledger lock of each user in the same order every writer does — the user_points row
 * first, then the users row — so recovery and a concurrent earn wait for each other instead of
 * deadlocking. Locking the users row also holds back a first-ever write for a user who has no
 * user_points row yet: creating that row needs a key-share lock on the user.
 */
export async function lockUsers(trx: Knex.Transaction, ids: number[]): Promise<void> {
  await trx.raw('SELECT 1 FROM user_points WHERE user_id = ANY(?::int[]) ORDER BY user_id FOR UPDATE', [ids]);
  await trx.raw('SELECT 1 FROM users WHERE id = ANY(?::int[]) ORDER BY id FOR UPDATE', [ids]);
}

/**
 * user_points (created where missing) and users.rewards rebuilt from the log for these users, in
 * one statement, by the same rules the ledger's writes follow. Values go from the log to the
 * copies inside the database, so nothing is rounded on the way (timestamps keep microseconds).
 */
export async function rebuildCopies(trx: Knex.Transaction, ids: number[]): Promise<void> {
  const totals = logTotalsQuery(trx).whereRaw('user_id = ANY(?::int[])', [ids]).toSQL();
  await trx.raw(
    `WITH t AS (${totals.sql}
     ), up AS (
       INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
       SELECT id, coalesce(t.balance, 0), coalesce(t.credits, 0), coalesce(t.debits, 0), t.last_earned_at, now()
       FROM unnest(?::int[]) AS id LEFT JOIN t ON t.user_id = id
       ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
         total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now()
       RETURNING p.user_id, p.points
     )
     UPDATE users SET rewards = up.points, updated_at = now() FROM up WHERE users.id = up.user_id`,
    [...totals.bindings, ids],
  );
}
