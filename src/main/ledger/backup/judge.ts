import type { Knex } from 'knex';
import type { BackupTable, RestoreMode } from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { stagingTable, type Staged } from './stage';

/**
 * The judgement a restore and `backup verify` share (README "What a restore refuses"): run on
 * the staged file before anything is written, it refuses what the file's own log cannot
 * explain, naming the line. A checksum only proves a file is intact; these checks are what keep
 * a forged or damaged-but-resealed file from becoming points.
 */

/** int4's largest value: every id, balance and total column is an integer. */
export const INT_MAX = 2_147_483_647;
/**
 * The largest id a file may bring. Ids come from sequences that count up from 1; one within
 * 2^20 of int4's end would move the id counter there and leave the database a million writes
 * from "reached maximum value of sequence". A real ledger is far below this.
 */
export const MAX_RESTORED_ID = 2 ** 31 - 2 ** 20;

const USER_TABLES = ['user_points', 'points_transactions', 'user_points_redemptions'] as const;

const fmt = (n: number | string) => Number(n).toLocaleString('en-US');
const refuse = (message: string, details?: unknown) =>
  new AppError('VALIDATION', `${message} Nothing was written.`, details);

/** The staged copy of a table, or an empty relation of its shape when the file lacks it. */
export function source(staged: Staged, table: BackupTable): string {
  return staged.columns[table] ? stagingTable(table) : `(SELECT t.*, 0 AS _line FROM ${table} t WHERE false)`;
}

async function first<T>(trx: Knex, sql: string, bindings: readonly unknown[] = []): Promise<T | undefined> {
  const r = (await trx.raw(sql, bindings)) as { rows: T[] };
  return r.rows[0];
}

/** Every row belongs to a user the header names, and every user row of the file has its user in it. */
async function checkScope(trx: Knex, staged: Staged): Promise<void> {
  const scope = staged.header.scope;
  const ids = scope === 'full' ? null : scope.userIds;
  const scopeText = ids ? `users ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}` : '';
  if (ids && staged.columns.users) {
    const out = await first<{ line: number; id: number }>(
      trx,
      `SELECT _line AS line, id FROM bk_users WHERE NOT (id = ANY(?::int[])) ORDER BY _line LIMIT 1`,
      [ids],
    );
    if (out)
      throw refuse(
        `Line ${out.line} (users id ${out.id}): user ${out.id} is outside the file's scope (header: ${scopeText}); a restore of it would replace or add a user the file does not claim to hold.`,
      );
  }
  for (const table of USER_TABLES) {
    if (!staged.columns[table]) continue;
    if (!staged.columns.users && staged.counts[table] > 0)
      throw refuse(
        `Line 1 (header): the file has ${table} rows but no users section; the file cannot say whose balances they are.`,
      );
    const outside = ids
      ? await first<{ line: number; id: number; user_id: number }>(
          trx,
          `SELECT _line AS line, id, user_id FROM ${stagingTable(table)} WHERE NOT (user_id = ANY(?::int[]))
           ORDER BY _line LIMIT 1`,
          [ids],
        )
      : undefined;
    if (outside)
      throw refuse(
        `Line ${outside.line} (${table} id ${outside.id}): user ${outside.user_id} is outside the file's scope (header: ${scopeText}).`,
      );
    const orphan = staged.columns.users
      ? await first<{ line: number; id: number; user_id: number }>(
          trx,
          `SELECT _line AS line, id, user_id FROM ${stagingTable(table)} s
           WHERE NOT EXISTS (SELECT 1 FROM bk_users u WHERE u.id = s.user_id) ORDER BY _line LIMIT 1`,
        )
      : undefined;
    if (orphan)
      throw refuse(
        `Line ${orphan.line} (${table} id ${orphan.id}): user ${orphan.user_id} has rows in the file but is not in its users section; the file cannot say what that user's balance is.`,
      );
  }
}

/** No id near the end of int4: restoring it would move the id counter there. */
async function checkIds(trx: Knex, staged: Staged): Promise<void> {
  for (const table of Object.keys(staged.columns) as BackupTable[]) {
    const refs = staged.columns[table]!.filter((c) => c === 'id' || c.endsWith('_id'));
    const where = refs.map((c) => `${c} > ?`).join(' OR ');
    const bad = await first<Record<string, number> & { line: number }>(
      trx,
      `SELECT _line AS line, ${refs.join(', ')} FROM ${stagingTable(table)} WHERE ${where} ORDER BY _line LIMIT 1`,
      refs.map(() => MAX_RESTORED_ID),
    );
    if (!bad) continue;
    const column = refs.find((c) => Number(bad[c]) > MAX_RESTORED_ID)!;
    throw refuse(
      `Line ${bad.line} (${table} id ${bad.id}): ${column} ${fmt(bad[column]!)} is beyond the ids this console accepts (${fmt(MAX_RESTORED_ID)}); the database hands out ids from 1 upwards, and such an id would move its id counter to the end of its range.`,
    );
  }
}

/**
 * Per user of the file: the log as it will stand after the restore (replace: the file's log;
 * merge: the database's log plus the file's rows the database lacks), and the copies the file
 * carries. Columns: user_id, line (of the user's users row), n, s, c, r, up_line, up_id, points,
 * total_earned, total_redeemed, rewards, last_tx_line.
 */
function fileUsersSql(staged: Staged, mode: RestoreMode): string {
  const log = source(staged, 'points_transactions');
  const rows =
    mode === 'replace'
      ? `SELECT user_id, points, _line FROM ${log} f`
      : `SELECT user_id, points, _line FROM ${log} f
           WHERE NOT EXISTS (SELECT 1 FROM points_transactions x WHERE x.id = f.id)
         UNION ALL SELECT user_id, points, 0 FROM points_transactions
           WHERE user_id IN (SELECT id FROM ${source(staged, 'users')})`;
  return `WITH l AS (${rows}), t AS (
      SELECT user_id, count(*) AS n, sum(points)::bigint AS s,
             coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS c,
             coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r, max(_line) AS last_tx_line
      FROM l GROUP BY user_id)
    SELECT u.id AS user_id, u._line AS line, coalesce(t.n, 0)::int AS n, coalesce(t.s, 0) AS s,
           coalesce(t.c, 0) AS c, coalesce(t.r, 0) AS r, t.last_tx_line, p._line AS up_line, p.id AS up_id,
           p.points, p.total_earned, p.total_redeemed, u.rewards
    FROM ${source(staged, 'users')} u LEFT JOIN t ON t.user_id = u.id
    LEFT JOIN ${source(staged, 'user_points')} p ON p.user_id = u.id`;
}

interface FileUser {
  user_id: number;
  line: number;
  n: number;
  s: string;
  c: string;
  r: string;
  last_tx_line: number | null;
  up_line: number | null;
  up_id: number | null;
  points: number | null;
  total_earned: number | null;
  total_redeemed: number | null;
  rewards: number;
}

/** The log after the restore: never negative, and every sum fits the columns that hold it. */
async function checkLogSums(trx: Knex, staged: Staged, mode: RestoreMode): Promise<void> {
  const negative = await first<FileUser>(
    trx,
    `SELECT * FROM (${fileUsersSql(staged, mode)}) x WHERE s < 0 ORDER BY coalesce(last_tx_line, line) LIMIT 1`,
  );
  if (negative)
    throw refuse(
      `Line ${negative.last_tx_line ?? negative.line} (points_transactions, user ${negative.user_id}): ${mode === 'merge' ? "with the database's rows, the" : "the file's"} log sums to ${fmt(negative.s)} points for user ${negative.user_id}; no balance may be negative.`,
    );
  const over = await first<FileUser>(
    trx,
    `SELECT * FROM (${fileUsersSql(staged, mode)}) x WHERE greatest(s, c, r) > ? ORDER BY coalesce(last_tx_line, line) LIMIT 1`,
    [INT_MAX],
  );
  if (over)
    throw refuse(
      `Line ${over.last_tx_line ?? over.line} (points_transactions, user ${over.user_id}): user ${over.user_id}'s log adds up to ${fmt(Math.max(Number(over.s), Number(over.c), Number(over.r)))} points, more than a balance column holds (${fmt(INT_MAX)}).`,
    );
}

/**
 * The file's copies agree with its own log, user by user (its user_points row and its legacy
 * users.rewards): a copy above its log is points the log cannot explain. Judged on the file
 * alone, in both modes: a file this check refuses is one `backup verify` calls broken.
 */
async function checkFileCopies(trx: Knex, staged: Staged): Promise<void> {
  const bad = await first<FileUser>(
    trx,
    `SELECT * FROM (${fileUsersSql(staged, 'replace')}) x
     WHERE CASE WHEN up_line IS NULL THEN n > 0 OR rewards <> 0
                ELSE points <> s OR total_earned <> c OR total_redeemed <> r OR rewards <> s END
     ORDER BY coalesce(up_line, line) LIMIT 1`,
  );
  if (!bad) return;
  const log = `the file's own log explains ${fmt(bad.s)}`;
  const what =
    bad.up_line === null
      ? bad.n > 0
        ? `Line ${bad.line} (users id ${bad.user_id}): user ${bad.user_id} has ${fmt(bad.n)} log rows but no user_points row`
        : `Line ${bad.line} (users id ${bad.user_id}): users.rewards is ${fmt(bad.rewards)} but ${log}`
      : bad.points !== Number(bad.s)
        ? `Line ${bad.up_line} (user_points id ${bad.up_id}): user ${bad.user_id} holds ${fmt(bad.points!)} points but ${log}`
        : bad.rewards !== Number(bad.s)
          ? `Line ${bad.line} (users id ${bad.user_id}): users.rewards is ${fmt(bad.rewards)} but ${log}`
          : `Line ${bad.up_line} (user_points id ${bad.up_id}): user ${bad.user_id}'s totals (earned ${fmt(bad.total_earned!)}, redeemed ${fmt(bad.total_redeemed!)}) are not the log's (${fmt(bad.c)}, ${fmt(bad.r)})`;
  throw refuse(
    `${what}. A backup's copies must agree with its own log; run recover on the database it came from and export again.`,
  );
}

/**
 * Every log row of the file the database lacks is written: none may collide with a row that
 * stays (another user's row with its id, an idempotency key or a reversal already taken), which
 * the write would otherwise skip in silence, leaving copies its log no longer explains.
 */
async function checkLogCollisions(trx: Knex, staged: Staged, mode: RestoreMode): Promise<void> {
  if (!staged.columns.points_transactions) return;
  const stays = mode === 'replace' ? `d.user_id NOT IN (SELECT id FROM ${source(staged, 'users')})` : 'true';
  const idTaken =
    mode === 'replace'
      ? await first<{ line: number; id: number; other: number }>(
          trx,
          `SELECT s._line AS line, s.id, d.user_id AS other FROM bk_points_transactions s
           JOIN points_transactions d ON d.id = s.id WHERE ${stays} ORDER BY s._line LIMIT 1`,
        )
      : undefined;
  if (idTaken)
    throw refuse(
      `Line ${idTaken.line} (points_transactions id ${idTaken.id}): that id is user ${idTaken.other}'s row in the database, outside this restore; the file's row could not be written.`,
    );
  for (const column of ['idempotency_key', 'reverses_id'].filter((c) =>
    staged.columns.points_transactions!.includes(c),
  )) {
    const taken = await first<{ line: number; id: number; other: number; value: string }>(
      trx,
      `SELECT s._line AS line, s.id, d.id AS other, s.${column}::text AS value FROM bk_points_transactions s
       JOIN points_transactions d ON d.${column} = s.${column} AND d.id <> s.id
       WHERE ${stays} AND NOT EXISTS (SELECT 1 FROM points_transactions x WHERE x.id = s.id AND ${mode === 'merge' ? 'true' : `x.user_id NOT IN (SELECT id FROM ${source(staged, 'users')})`})
       ORDER BY s._line LIMIT 1`,
    );
    if (taken)
      throw refuse(
        `Line ${taken.line} (points_transactions id ${taken.id}): ${column} ${taken.value} is already taken by transaction ${taken.other} in the database; the file's row could not be written.`,
      );
  }
}

/**
 * merge moves each existing copy by the delta of the rows it inserts: none may end below zero
 * or beyond int4 (a copy already below its log, then a debit merged in).
 */
async function checkMergeCopies(trx: Knex, staged: Staged): Promise<void> {
  const bad = await first<{ user_id: number; column: string; value: string; line: number }>(
    trx,
    `SELECT * FROM (SELECT user_id, line, unnest(array['user_points.points', 'user_points.total_earned',
              'user_points.total_redeemed', 'users.rewards']) AS column,
            unnest(array[points_after, earned_after, redeemed_after, rewards_after]) AS value
          FROM (${balanceTargetsSql(staged, 'merge')}) b) x
     WHERE value < 0 OR value > ? ORDER BY line LIMIT 1`,
    [INT_MAX],
  );
  if (bad)
    throw refuse(
      `Line ${bad.line} (user ${bad.user_id}): merging would take ${bad.column} to ${fmt(bad.value)}, which it cannot hold; the user's copies disagree with their log in the database: run recover for them first.`,
    );
}

/**
 * Per user the restore touches: every copy before and after, exactly as the write leaves it
 * (write.ts follows the same rules, and a property test holds them equal). replace: the file's
 * copies. merge: a user who had a user_points row keeps it, moved by the delta of the log rows
 * inserted (never rebuilt down to the log); a user without one gets it from the log; an
 * existing user's users.rewards moves by the same delta, a new user's is the file's.
 * Columns: user_id, line, points_before, points_after, earned_after, redeemed_after,
 * rewards_before, rewards_after.
 */
export function balanceTargetsSql(staged: Staged, mode: RestoreMode): string {
  const users = source(staged, 'users');
  const log = source(staged, 'points_transactions');
  if (mode === 'replace')
    return `SELECT u.id AS user_id, u._line AS line, up.points AS points_before,
              coalesce(p.points, 0)::bigint AS points_after, coalesce(p.total_earned, 0)::bigint AS earned_after,
              coalesce(p.total_redeemed, 0)::bigint AS redeemed_after, d.rewards AS rewards_before,
              u.rewards::bigint AS rewards_after
            FROM ${users} u LEFT JOIN users d ON d.id = u.id LEFT JOIN user_points up ON up.user_id = u.id
            LEFT JOIN ${source(staged, 'user_points')} p ON p.user_id = u.id`;
  return `WITH p AS (SELECT id AS user_id, _line AS line FROM ${users}),
    n AS (SELECT f.user_id, sum(f.points)::bigint AS d,
            coalesce(sum(f.points) FILTER (WHERE f.points > 0), 0)::bigint AS c,
            coalesce(-sum(f.points) FILTER (WHERE f.points < 0), 0)::bigint AS r
          FROM ${log} f WHERE NOT EXISTS (SELECT 1 FROM points_transactions x WHERE x.id = f.id) GROUP BY f.user_id),
    l AS (SELECT user_id, sum(points)::bigint AS s,
            coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS c,
            coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r
          FROM points_transactions WHERE user_id IN (SELECT user_id FROM p) GROUP BY user_id)
    SELECT p.user_id, p.line, up.points AS points_before,
      CASE WHEN up.user_id IS NOT NULL THEN up.points + coalesce(n.d, 0) ELSE coalesce(l.s, 0) + coalesce(n.d, 0) END AS points_after,
      CASE WHEN up.user_id IS NOT NULL THEN up.total_earned + coalesce(n.c, 0) ELSE coalesce(l.c, 0) + coalesce(n.c, 0) END AS earned_after,
      CASE WHEN up.user_id IS NOT NULL THEN up.total_redeemed + coalesce(n.r, 0) ELSE coalesce(l.r, 0) + coalesce(n.r, 0) END AS redeemed_after,
      d.rewards AS rewards_before,
      CASE WHEN d.id IS NOT NULL THEN d.rewards + coalesce(n.d, 0) ELSE fu.rewards END::bigint AS rewards_after
    FROM p LEFT JOIN users d ON d.id = p.user_id LEFT JOIN ${users} fu ON fu.id = p.user_id
    LEFT JOIN user_points up ON up.user_id = p.user_id LEFT JOIN n ON n.user_id = p.user_id
    LEFT JOIN l ON l.user_id = p.user_id`;
}

/**
 * Refuses, naming the line, a staged file the log cannot explain. Runs before any write, for
 * plan, apply and verify alike; throws VALIDATION on the first problem.
 */
export async function judgeStaged(trx: Knex, staged: Staged, mode: RestoreMode): Promise<void> {
  await checkIds(trx, staged);
  await checkScope(trx, staged);
  await checkLogSums(trx, staged, 'replace');
  await checkFileCopies(trx, staged);
  if (mode === 'merge') await checkLogSums(trx, staged, 'merge');
  await checkLogCollisions(trx, staged, mode);
  if (mode === 'merge') await checkMergeCopies(trx, staged);
}
