import type { Knex } from 'knex';
import { z } from 'zod';
import type { Page, ParsedInput, UserDetail, UserSummary } from '../../shared/contract';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';
import { iso, isoOrNull } from './dates';
import { expiringSoon } from './expiry/lots';

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

/**
 * Results come in two tiers: users whose name starts with the text, in name order, then those
 * whose email (but not name) starts with it, in email order. Each tier is one range scan of an
 * index already in that order (migration 007), so a page reads its own rows and no more.
 */
const TIERS = [
  { key: 'lower(u.name) COLLATE "C"', exclude: null },
  { key: 'lower(u.email) COLLATE "C"', exclude: 'lower(u.name) COLLATE "C"' },
] as const;
type Tier = 0 | 1;
const searchCursor = z.tuple([z.union([z.literal(0), z.literal(1)]), z.string(), z.number().int()]);

function tierPage(db: Knex, tier: Tier, prefix: string, after: [string, number] | null, limit: number) {
  const { key, exclude } = TIERS[tier];
  const q = db('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .select('u.id', 'u.email', 'u.name', 'up.points', 'u.created_at', db.raw(`${key} AS sort_key`))
    .whereRaw(`${key} LIKE ?`, [prefix])
    .orderByRaw(`${key}, u.id`)
    .limit(limit);
  if (exclude) q.whereRaw(`NOT (${exclude} LIKE ?)`, [prefix]);
  if (after) q.whereRaw(`(${key}, u.id) > (?, ?)`, after);
  return q as Promise<Array<UserRow & { sort_key: string }>>;
}

/** A support person types an id, the start of a name or the start of an email. */
export async function searchUsers(db: Knex, input: ParsedInput<'users.search'>): Promise<Page<UserSummary>> {
  const want = input.limit + 1;
  let rows: Array<UserRow & { sort_key: string; tier: Tier }>;
  if (/^\d{1,10}$/.test(input.query)) {
    if (input.cursor !== null) return { items: [], nextCursor: null };
    const found = await db('users as u')
      .leftJoin('user_points as up', 'up.user_id', 'u.id')
      .where('u.id', Number(input.query))
      .select('u.id', 'u.email', 'u.name', 'up.points', 'u.created_at');
    rows = (found as UserRow[]).map((r) => ({ ...r, sort_key: '', tier: 0 as const }));
  } else {
    const prefix = `${escapeLike(input.query.toLowerCase())}%`;
    const [fromTier, key, id] =
      input.cursor === null ? [0, null, null] : decodeCursor(input.cursor, searchCursor);
    rows = [];
    for (let tier = fromTier; tier <= 1 && rows.length < want; tier++) {
      const after: [string, number] | null =
        tier === fromTier && key !== null && id !== null ? [key, id] : null;
      const page = await tierPage(db, tier as Tier, prefix, after, want - rows.length);
      rows.push(...page.map((r) => ({ ...r, tier: tier as Tier })));
    }
  }
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(toSummary),
    nextCursor: more && last ? encodeCursor([last.tier, last.sort_key, last.id]) : null,
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
  const expiring = (await expiringSoon(db, [userId])).get(userId)!;
  return {
    ...toSummary(row),
    legacyRewards: row.rewards,
    totalEarned: row.total_earned,
    totalRedeemed: row.total_redeemed,
    lastEarnedAt: isoOrNull(row.last_earned_at),
    transactionCount: row.transaction_count,
    expiring,
  };
}
