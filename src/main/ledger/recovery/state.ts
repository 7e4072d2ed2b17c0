import type { Knex } from 'knex';
import type { RecoveryEvidence } from '../../../shared/contract/recovery';
import { logTotalsQuery } from '../logTotals';
import { attachEvidence } from './evidence';

/**
 * What recovery knows about one user: the stored copies and the log's aggregates. Sums are
 * exact integers; timestamps are ISO 8601 UTC text with microseconds, because a JS Date would
 * drop them and a rebuilt last_earned_at would never match the log again.
 */
export interface UserState {
  userId: number;
  rewards: number;
  hasRow: boolean;
  points: number | null;
  totalEarned: number | null;
  totalRedeemed: number | null;
  lastEarnedAt: string | null;
  logCount: number;
  logSum: number;
  logEarned: number;
  logRedeemed: number;
  logLastEarnedAt: string | null;
  /** What the chain and the operations log say against this user's log (unclean users only). */
  evidence: RecoveryEvidence[];
}

export interface ChunkState {
  /** The highest user id the chunk read; null when no user is left after `afterId`. */
  lastId: number | null;
  /** Users the chunk read. */
  seen: number;
  /** Users of the chunk in the scope (every user, or only the unclean ones). */
  inScope: number;
  /** sha256 of the in-scope users' state, in id order. */
  fingerprint: string;
  /** In-scope users whose copies disagree with the log, in id order. */
  unclean: UserState[];
}

export interface ChunkQuery {
  afterId: number;
  size: number;
  /** Only these users, sorted (an explicit scope); otherwise every user. */
  ids: number[] | null;
  /** The 'discrepancies' scope: only unclean users count (and are fingerprinted). */
  onlyUnclean: boolean;
}

const utc = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Clean means every copy agrees with the log: the row holds the log's sums, the legacy copy
 * holds the balance, nothing is negative. A user with no row, no transactions and no legacy
 * points is clean too: the row is created on their first write.
 */
const CLEAN = `CASE WHEN has_row
  THEN points = s AND total_earned = e AND total_redeemed = r
       AND last_earned_at IS NOT DISTINCT FROM le AND rewards = points AND s >= 0
  ELSE n = 0 AND rewards = 0 END`;

const CHUNK_SQL = `
  WITH u AS MATERIALIZED (
    SELECT id, rewards FROM users WHERE %USERS% ORDER BY id LIMIT ?
  ), t AS (%LOG_TOTALS%
  ), s AS (
    SELECT u.id, u.rewards, up.user_id IS NOT NULL AS has_row, up.points, up.total_earned,
           up.total_redeemed, up.last_earned_at, coalesce(t.tx_count, 0) AS n, coalesce(t.balance, 0) AS s,
           coalesce(t.credits, 0) AS e, coalesce(t.debits, 0) AS r, t.last_earned_at AS le, t.last_at AS la
    FROM u LEFT JOIN user_points up ON up.user_id = u.id LEFT JOIN t ON t.user_id = u.id
  ), c AS (
    SELECT s.*, NOT (${CLEAN}) AS unclean FROM s
  )
  SELECT (SELECT max(id) FROM u) AS last_id, (SELECT count(*) FROM u)::int AS seen, count(*)::int AS in_scope,
    encode(sha256(convert_to(coalesce(string_agg(json_build_array(id, rewards, has_row, points,
      total_earned, total_redeemed, ${utc('last_earned_at')}, n, s, e, r, ${utc('le')}, ${utc('la')})::text, ';'
      ORDER BY id), ''), 'UTF8')), 'hex') AS fingerprint,
    coalesce(json_agg(json_build_object('userId', id, 'rewards', rewards, 'hasRow', has_row,
      'points', points, 'totalEarned', total_earned, 'totalRedeemed', total_redeemed,
      'lastEarnedAt', ${utc('last_earned_at')}, 'logCount', n, 'logSum', s, 'logEarned', e,
      'logRedeemed', r, 'logLastEarnedAt', ${utc('le')}) ORDER BY id) FILTER (WHERE unclean), '[]') AS unclean
  FROM c WHERE NOT ? OR unclean`;

/** One chunk of users after `afterId`, in id order: their fingerprint and the unclean ones. */
export async function readChunk(db: Knex, q: ChunkQuery): Promise<ChunkState> {
  // An explicit scope reads exactly its next ids; otherwise the next users by id. Either way
  // both sides use an index: the users' primary key and the log's (user_id, …) indexes.
  const chunkIds = q.ids ? q.ids.filter((id) => id > q.afterId).slice(0, q.size) : null;
  // The log's side comes from logTotals, the one aggregate the audit and the scan use too.
  const totals = (
    chunkIds
      ? logTotalsQuery(db).whereRaw('user_id = ANY(?::int[])', [chunkIds])
      : logTotalsQuery(db).where('user_id', '>', q.afterId).whereRaw('user_id <= (SELECT max(id) FROM u)')
  ).toSQL();
  const sql = CHUNK_SQL.replace('%USERS%', chunkIds ? 'id = ANY(?::int[])' : 'id > ?').replace(
    '%LOG_TOTALS%',
    totals.sql,
  );
  const result = await db.raw(sql, [chunkIds ?? q.afterId, q.size, ...totals.bindings, q.onlyUnclean]);
  const row = result.rows[0] as {
    last_id: number | null;
    seen: number;
    in_scope: number;
    fingerprint: string;
    unclean: UserState[];
  };
  await attachEvidence(db, row.unclean);
  return {
    lastId: row.last_id,
    seen: row.seen,
    inScope: row.in_scope,
    fingerprint: row.fingerprint,
    unclean: row.unclean,
  };
}

/** The state of exactly these users (every one, clean or not), in id order. */
export async function readUsers(db: Knex, ids: number[]): Promise<ChunkState> {
  const sorted = [...ids].sort((a, b) => a - b);
  return readChunk(db, { afterId: 0, size: sorted.length, ids: sorted, onlyUnclean: false });
}

/** Every user (of the given ones) whose copies still disagree with the log. */
export async function stillUnclean(db: Knex, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const sorted = [...ids].sort((a, b) => a - b);
  const state = await readChunk(db, { afterId: 0, size: sorted.length, ids: sorted, onlyUnclean: true });
  return state.unclean.map((u) => u.userId);
}
