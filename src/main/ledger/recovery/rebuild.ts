import type { Knex } from 'knex';

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
  await trx.raw(
    `WITH t AS (
       SELECT user_id, sum(points) AS s, coalesce(sum(points) FILTER (WHERE points > 0), 0) AS e,
              coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS r,
              max(created_at) FILTER (WHERE points > 0) AS le
       FROM points_transactions WHERE user_id = ANY(?::int[]) GROUP BY user_id
     ), up AS (
       INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
       SELECT id, coalesce(t.s, 0), coalesce(t.e, 0), coalesce(t.r, 0), t.le, now()
       FROM unnest(?::int[]) AS id LEFT JOIN t ON t.user_id = id
       ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
         total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now()
       RETURNING p.user_id, p.points
     )
     UPDATE users SET rewards = up.points, updated_at = now() FROM up WHERE users.id = up.user_id`,
    [ids, ids],
  );
}
