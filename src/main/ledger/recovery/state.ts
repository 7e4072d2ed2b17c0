import type { Knex } from 'knex';
import type { RecoveryEvidence } from '../../../shared/contract/recovery';
import { scopeEvidence } from './evidence';

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

/** An unclean user as the preview's pass saw them: the state, and the same state as text. */
export interface ScopedUser {
  chunk: number;
  /**
   * The text apply's recheck hashes under the lock (pointkeeper_recovery_apply_chunk, migration
   * 500, builds the same text): equal texts mean the user is exactly as previewed.
   */
  stateText: string;
  state: UserState;
}

/** The scope's unclean users, read once into a table of the preview's own transaction. */
const SCOPE_TABLE = 'pk_recovery_scope';

const utc = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A number or boolean column as a JSON value: its text, or null. */
const jsonValue = (col: string) => `coalesce(${col}::text, 'null')`;
/** A timestamp column as a JSON string (utc's text needs no escaping), or null. */
const jsonTime = (col: string) => `coalesce('"' || ${utc(col)} || '"', 'null')`;

/**
 * The state text apply's recheck builds as json_build_array(…)::text (migration 610), written
 * out by concatenation: the same bytes, without building a JSON value per user first (2.5 µs
 * each, and the pass's last step runs in one process: 0.7 s at 300,000 unclean users).
 */
const STATE_TEXT = `'[' || ${[
  ...['id', 'rewards', 'has_row', 'points', 'total_earned', 'total_redeemed'].map(jsonValue),
  jsonTime('last_earned_at'),
  ...['n', 's', 'e', 'r'].map(jsonValue),
  jsonTime('le'),
  jsonTime('la'),
].join(` || ', ' || `)} || ']'`;

/**
 * Clean means every copy agrees with the log: the row holds the log's sums, the legacy copy
 * holds the balance, nothing is negative. A user with no row, no transactions and no legacy
 * points is clean too: the row is created on their first write.
 */
const CLEAN = `CASE WHEN has_row
  THEN points = s AND total_earned = e AND total_redeemed = r
       AND last_earned_at IS NOT DISTINCT FROM le AND rewards = points AND s >= 0
  ELSE n = 0 AND rewards = 0 END`;

/**
 * The whole scope in one statement: one aggregate of the log (which the server runs with its
 * parallel workers for 'all' and 'discrepancies'), joined to the copies; only the unclean users
 * kept, numbered by id into chunks of `size`. A chunk counts users to change, not users looked
 * at: with 30 % of a million users unclean, chunks of 5,000 in-scope users made 200
 * transactions of 1,500 users each, and a scope with few unclean users made hundreds of
 * chunks of a handful (each a transaction, its locks and its bookkeeping).
 */
function scopeSql(size: number, ids: boolean): string {
  return `
  WITH t AS (
    SELECT user_id, count(*)::bigint AS n, sum(points)::bigint AS s,
           coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS e,
           coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r,
           max(created_at) FILTER (WHERE points > 0) AS le, max(created_at) AS la
    FROM points_transactions ${ids ? 'WHERE user_id = ANY(?::int[])' : ''} GROUP BY user_id
  ), s AS (
    SELECT u.id, u.rewards, up.user_id IS NOT NULL AS has_row, up.points, up.total_earned, up.total_redeemed,
           up.last_earned_at, coalesce(t.n, 0) AS n, coalesce(t.s, 0) AS s, coalesce(t.e, 0) AS e,
           coalesce(t.r, 0) AS r, t.le, t.la
    FROM users u LEFT JOIN user_points up ON up.user_id = u.id LEFT JOIN t ON t.user_id = u.id
    ${ids ? 'WHERE u.id = ANY(?::int[])' : ''}
  ), c AS (
    SELECT s.*, NOT (${CLEAN}) AS unclean FROM s
  )
  SELECT id, ((row_number() OVER (ORDER BY id) - 1) / ${size})::int AS chunk, ${STATE_TEXT} AS state_text
  FROM c WHERE unclean`;
}

/** scopeSql's state text, element by element. */
type StateTuple = [
  userId: number,
  rewards: number,
  hasRow: boolean,
  points: number | null,
  totalEarned: number | null,
  totalRedeemed: number | null,
  lastEarnedAt: string | null,
  logCount: number,
  logSum: number,
  logEarned: number,
  logRedeemed: number,
  logLastEarnedAt: string | null,
  logLastAt: string | null,
];

/**
 * A user's state from its text, the one form the server builds (building a JSON object beside
 * it cost the preview's pass a second set of conversions per unclean user). The text is
 * json_build_array's, in scopeSql's column order; its last element, when the log was last
 * written, is there for apply's recheck only.
 */
function stateOf(text: string): Omit<UserState, 'evidence'> {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || v.length !== 13) throw new Error(`Unexpected recovery state ${text.slice(0, 80)}`);
  const [userId, rewards, hasRow, points, totalEarned, totalRedeemed, lastEarnedAt, ...log] = v as StateTuple;
  const [logCount, logSum, logEarned, logRedeemed, logLastEarnedAt] = log;
  return {
    userId,
    rewards,
    hasRow,
    points,
    totalEarned,
    totalRedeemed,
    lastEarnedAt,
    logCount,
    logSum,
    logEarned,
    logRedeemed,
    logLastEarnedAt,
  };
}

async function countUsers(trx: Knex.Transaction, ids: number[] | null): Promise<number> {
  const users = trx('users');
  if (ids) users.whereRaw('id = ANY(?::int[])', [ids]);
  return Number(((await users.count({ n: '*' }).first()) as { n: number | string }).n);
}

/**
 * Reads the scope once (inside `trx`, which should be REPEATABLE READ so every later read sees
 * the same data): the unclean users go into a table of the transaction, indexed by chunk.
 * Returns how many users are in scope, how many of them are unclean, and the evidence against
 * those that have any (checked for all of them at once).
 */
export async function readScope(
  trx: Knex.Transaction,
  q: { ids: number[] | null; size: number; onlyUnclean: boolean },
): Promise<{ inScope: number; unclean: number; evidence: Map<number, RecoveryEvidence[]> }> {
  if (!Number.isSafeInteger(q.size) || q.size < 1) throw new Error(`Bad chunk size ${q.size}`);
  const sql = scopeSql(q.size, q.ids !== null);
  // The aggregate's expressions are cheap sums; compiling them (PostgreSQL 15's default JIT, in
  // the leader and every worker) cost more than it saved: 11.2 s → 8.6 s at 10M rows.
  await trx.raw('SET LOCAL jit = off');
  // A million users' sums need about 240 MB of hash table (work_mem × hash_mem_multiplier). With
  // a stock server's 4 MB, each worker's aggregate spilled 130 MB to disk in 33 batches and the
  // result was sorted on disk: 23.7 s at 10M rows on PG 15; with 64 MB 14.1 s (the final
  // aggregate still spilled), with 128 MB 11.3 s. For this statement only.
  await trx.raw(`SET LOCAL work_mem = '128MB'`);
  if (q.ids) {
    // Bound ids: INSERT … SELECT takes parameters (CREATE TABLE AS does not); an explicit scope
    // reads its users by index, so it has no use for parallel workers anyway.
    const shape = sql.replaceAll('?::int[]', `'{}'::int[]`);
    await trx.raw(`CREATE TEMPORARY TABLE ?? ON COMMIT DROP AS ${shape} WITH NO DATA`, [SCOPE_TABLE]);
    await trx.raw(`INSERT INTO ?? ${sql}`, [SCOPE_TABLE, q.ids, q.ids]);
  } else {
    // CREATE TABLE AS, not INSERT … SELECT: only the former may use parallel workers.
    await trx.raw(`CREATE TEMPORARY TABLE ?? ON COMMIT DROP AS ${sql}`, [SCOPE_TABLE]);
  }
  await trx.raw('SET LOCAL work_mem TO DEFAULT');
  await trx.raw('CREATE INDEX ON ?? (chunk, id)', [SCOPE_TABLE]);
  const { unclean } = (await trx.raw('SELECT count(*)::int AS unclean FROM ??', [SCOPE_TABLE])).rows[0] as {
    unclean: number;
  };
  // Counted apart, in the same snapshot: as a window over the scope pass (count(*) OVER ()) it
  // kept a million users' rows in a tuplestore for one number, 1.5–2 s of the pass at full size.
  const inScope = q.onlyUnclean ? unclean : await countUsers(trx, q.ids);
  return { inScope, unclean, evidence: await scopeEvidence(trx, SCOPE_TABLE) };
}

/**
 * Rows per read of the scope table. A whole chunk read at once (5,000 users, each built into its
 * state) was alive at every young-generation collection of the walk and was promoted to the old
 * generation as garbage: the process's peak grew with the users changed, 145 MB at 3,000 to
 * 301 MB at 300,000.
 */
const PIECE_USERS = 250;

/**
 * readScope's unclean users, chunk by chunk and in id order within each, with the evidence
 * against each attached; read a piece at a time, each user built only as the caller reaches it.
 */
export async function* scopeUsers(
  trx: Knex.Transaction,
  evidence: ReadonlyMap<number, RecoveryEvidence[]>,
): AsyncGenerator<ScopedUser> {
  let after = { chunk: -1, id: 0 };
  for (;;) {
    const rows = (
      await trx.raw(
        `SELECT chunk, id, state_text FROM ?? WHERE (chunk, id) > (?, ?) ORDER BY chunk, id LIMIT ?`,
        [SCOPE_TABLE, after.chunk, after.id, PIECE_USERS],
      )
    ).rows as Array<{ chunk: number; id: number; state_text: string }>;
    for (const r of rows) {
      const state = stateOf(r.state_text);
      yield {
        chunk: r.chunk,
        stateText: r.state_text,
        state: { ...state, evidence: evidence.get(state.userId) ?? [] },
      };
    }
    if (rows.length < PIECE_USERS) return;
    after = rows.at(-1)!;
  }
}
