import type { Knex } from 'knex';
import { z } from 'zod';
import type { Page, ParsedInput, UserDetail, UserSummary } from '../../shared/contract';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';
import { iso, isoOrNull } from './dates';

interface UserRow {
  id: number;
  email: string;
  name: string;
  points: number | null;
  created_at: Date;
}

const toSummary = (r: UserRow): UserSummary => ({
  id: r.id,
  email: r.email,
  name: r.name,
  points: r.points,
  createdAt: iso(r.created_at),
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const searchCursor = z.tuple([z.string(), z.number().int()]);

/**
 * A support person types an id, the start of an email or the start of a name. Prefix matches
 * use the lower(...) text_pattern_ops indexes; results come in name order, paged by keyset.
 */
export async function searchUsers(db: Knex, input: ParsedInput<'users.search'>): Promise<Page<UserSummary>> {
  const q = db('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .select('u.id', 'u.email', 'u.name', 'up.points', 'u.created_at', db.raw('lower(u.name) AS sort_name'))
    .orderByRaw('lower(u.name), u.id')
    .limit(input.limit + 1);
  if (/^\d{1,10}$/.test(input.query)) {
    q.where('u.id', Number(input.query));
  } else {
    const prefix = `${escapeLike(input.query.toLowerCase())}%`;
    q.where((w) =>
      w.whereRaw('lower(u.name) LIKE ?', [prefix]).orWhereRaw('lower(u.email) LIKE ?', [prefix]),
    );
  }
  if (input.cursor !== null) {
    const [name, id] = decodeCursor(input.cursor, searchCursor);
    q.whereRaw('(lower(u.name), u.id) > (?, ?)', [name, id]);
  }
  const rows = (await q) as Array<UserRow & { sort_name: string }>;
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(toSummary),
    nextCursor: more && last ? encodeCursor([last.sort_name, last.id]) : null,
  };
}

export async function getUser(db: Knex, userId: number): Promise<UserDetail> {
  const row = (await db('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .where('u.id', userId)
    .first(
      'u.id',
      'u.email',
      'u.name',
      'u.rewards',
      'u.created_at',
      'up.points',
      'up.total_earned',
      'up.total_redeemed',
      'up.last_earned_at',
      db.raw('(SELECT count(*) FROM points_transactions t WHERE t.user_id = u.id) AS transaction_count'),
    )) as
    | (UserRow & {
        rewards: number;
        total_earned: number | null;
        total_redeemed: number | null;
        last_earned_at: Date | null;
        transaction_count: number;
      })
    | undefined;
  if (!row) throw notFound(`User ${userId}`);
  return {
    ...toSummary(row),
    legacyRewards: row.rewards,
    totalEarned: row.total_earned,
    totalRedeemed: row.total_redeemed,
    lastEarnedAt: isoOrNull(row.last_earned_at),
    transactionCount: row.transaction_count,
  };
}
