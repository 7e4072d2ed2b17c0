import type { Knex } from 'knex';

export interface StoredCopies {
  userId: number;
  points: number | null;
  rewards: number;
}

/**
 * An independent check, written apart from the code under test: users whose copies disagree
 * with the log (balance, lifetime totals, last earned, legacy copy, a missing row, a negative).
 */
export async function uncleanUsers(knex: Knex, ids?: number[]): Promise<number[]> {
  const r = await knex.raw(
    `SELECT u.id FROM users u
     LEFT JOIN user_points up ON up.user_id = u.id
     LEFT JOIN (SELECT user_id, sum(points) AS s, sum(points) FILTER (WHERE points > 0) AS c,
                       -sum(points) FILTER (WHERE points < 0) AS d,
                       max(created_at) FILTER (WHERE points > 0) AS le
                FROM points_transactions GROUP BY user_id) t ON t.user_id = u.id
     WHERE (?::int[] IS NULL OR u.id = ANY(?::int[]))
       AND (coalesce(up.points, 0) <> coalesce(t.s, 0) OR u.rewards <> coalesce(t.s, 0)
         OR coalesce(up.total_earned, 0) <> coalesce(t.c, 0) OR coalesce(up.total_redeemed, 0) <> coalesce(t.d, 0)
         OR up.last_earned_at IS DISTINCT FROM t.le AND up.user_id IS NOT NULL
         OR (up.user_id IS NULL AND t.s IS NOT NULL) OR coalesce(t.s, 0) < 0)
     ORDER BY u.id`,
    [ids ?? null, ids ?? null],
  );
  return (r.rows as Array<{ id: number }>).map((x) => x.id);
}

/** Each user's stored balance and legacy copy, by id. */
export async function storedCopies(knex: Knex): Promise<Map<number, StoredCopies>> {
  const rows = (await knex('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .select('u.id as userId', 'up.points', 'u.rewards')) as StoredCopies[];
  return new Map(rows.map((r) => [r.userId, r]));
}

/** Everything recovery could write, to compare before and after a refused apply. */
export async function ledgerSnapshot(knex: Knex): Promise<unknown> {
  const [up, users, tx, runs] = await Promise.all([
    knex('user_points')
      .orderBy('user_id')
      .select('user_id', 'points', 'total_earned', 'total_redeemed', 'last_earned_at', 'updated_at'),
    knex('users').orderBy('id').select('id', 'rewards', 'updated_at'),
    knex('points_transactions').count({ n: '*' }).max({ id: 'id' }).first(),
    knex('recovery_runs').count({ n: '*' }).first(),
  ]);
  return { up, users, tx, runs };
}

/**
 * The chain records (recovery_chain_verified) as they stand against the log now, computed apart
 * from the migrations: `recorded` users with a record, `unmatched` those whose record is not the
 * XOR of their rows' versions (a preview hashes them again), `unrecorded` users with rows and no
 * record.
 */
export async function chainRecords(
  knex: Knex,
): Promise<{ recorded: number[]; unmatched: number[]; unrecorded: number[] }> {
  const r = await knex.raw(
    `SELECT coalesce(v.user_id, c.user_id) AS user_id, v.user_id IS NOT NULL AS recorded,
            v.versions IS DISTINCT FROM c.versions AS unmatched
     FROM recovery_chain_verified v
     FULL JOIN (SELECT user_id, bit_xor(hashtidextended(ctid, xmin::text::bigint))::text AS versions
                FROM points_transactions GROUP BY user_id) c ON c.user_id = v.user_id
     ORDER BY 1`,
  );
  const rows = r.rows as Array<{ user_id: number; recorded: boolean; unmatched: boolean }>;
  const ids = (keep: (x: (typeof rows)[number]) => boolean) => rows.filter(keep).map((x) => x.user_id);
  return {
    recorded: ids((x) => x.recorded),
    unmatched: ids((x) => x.recorded && x.unmatched),
    unrecorded: ids((x) => !x.recorded),
  };
}
