import type { Knex } from 'knex';
import type { BackupTable, RestoreMode, RestoreResult } from '../../../shared/contract/backup';
import { insertRestored } from '../append';
import { logTotalsQuery } from '../logTotals';
import { source } from './judge';
import { matchKey, overwrites, sameRow } from './preview';
import { stagingTable, type Staged } from './stage';

export type Applied = RestoreResult['applied'];

const rowCount = (r: unknown) => (r as { rowCount: number | null }).rowCount ?? 0;
const quoted = (columns: string[]) => columns.map((c) => `"${c}"`).join(', ');

/** Adds the file's rows the database lacks; a row that collides with any unique rule is skipped. */
async function insertMissing(trx: Knex, staged: Staged, table: BackupTable): Promise<number> {
  const columns = staged.columns[table]!;
  const key = matchKey(table);
  const list = quoted(columns);
  return rowCount(
    await trx.raw(
      `INSERT INTO ${table} (${list}) SELECT ${list} FROM ${stagingTable(table)} s
       WHERE NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.${key} = s.${key}) ORDER BY s.id
       ON CONFLICT DO NOTHING`,
    ),
  );
}

/** replace: users in scope take the file's identity and legacy copy. */
async function overwriteUsers(trx: Knex, staged: Staged): Promise<number> {
  const columns = staged.columns.users!.filter((c) => c !== 'id');
  return rowCount(
    await trx.raw(
      `UPDATE users r SET (${quoted(columns)}) = (SELECT ${columns.map((c) => `s."${c}"`).join(', ')})
       FROM bk_users s WHERE r.id = s.id AND NOT (${sameRow(staged.columns.users!)})`,
    ),
  );
}

/**
 * replace: the users' own rows go, so the file's can take their place. The log's rows go through
 * the one deliberate exception to append-only (migration 005), executable by admins only.
 */
async function removeUserRows(trx: Knex): Promise<Applied> {
  const scope = 'SELECT id FROM bk_users';
  const redemptions = rowCount(
    await trx.raw(`DELETE FROM user_points_redemptions WHERE user_id IN (${scope})`),
  );
  const tx = (await trx.raw(`SELECT pointkeeper_restore_remove_transactions(array(${scope})) AS n`)) as {
    rows: Array<{ n: number }>;
  };
  const points = rowCount(await trx.raw(`DELETE FROM user_points WHERE user_id IN (${scope})`));
  const none = { inserted: 0, updated: 0 };
  return {
    user_points_redemptions: { ...none, removed: redemptions },
    points_transactions: { ...none, removed: Number(tx.rows[0]!.n) },
    user_points: { ...none, removed: points },
  };
}

/**
 * merge, before anything is written: per user of the file, whether they and their user_points
 * row exist, and the sums of the log rows the merge will insert (judge.ts has made sure every
 * one of them inserts).
 */
async function mergeDeltas(trx: Knex, staged: Staged): Promise<void> {
  await trx.raw(
    `CREATE TEMP TABLE bk_merge_delta ON COMMIT DROP AS
     WITH n AS (SELECT f.user_id, sum(f.points)::bigint AS d,
                  coalesce(sum(f.points) FILTER (WHERE f.points > 0), 0)::bigint AS c,
                  coalesce(-sum(f.points) FILTER (WHERE f.points < 0), 0)::bigint AS r,
                  max(f.created_at) FILTER (WHERE f.points > 0) AS le
                FROM ${source(staged, 'points_transactions')} f
                WHERE NOT EXISTS (SELECT 1 FROM points_transactions x WHERE x.id = f.id) GROUP BY f.user_id)
     SELECT s.id AS user_id, u.id IS NOT NULL AS had_user, up.user_id IS NOT NULL AS had_row,
            coalesce(n.d, 0) AS d, coalesce(n.c, 0) AS c, coalesce(n.r, 0) AS r, n.le
     FROM bk_users s LEFT JOIN users u ON u.id = s.id LEFT JOIN user_points up ON up.user_id = s.id
     LEFT JOIN n ON n.user_id = s.id`,
  );
}

/**
 * merge, after the rows are in: the rule every write follows (README "Restoring"). A copy that
 * existed moves by the delta of the log rows inserted — never rebuilt down to the log, so a
 * surplus recover would keep stays for recover to decide; a user without a user_points row
 * gets it from the log; an existing user's users.rewards moves by the same delta.
 */
async function moveCopies(trx: Knex): Promise<void> {
  await trx.raw(
    `UPDATE user_points up SET points = up.points + m.d, total_earned = up.total_earned + m.c,
       total_redeemed = up.total_redeemed + m.r, last_earned_at = greatest(up.last_earned_at, m.le), updated_at = now()
     FROM bk_merge_delta m WHERE up.user_id = m.user_id AND m.had_row AND (m.d, m.c, m.r) <> (0, 0, 0)`,
  );
  const totals = logTotalsQuery(trx).whereIn(
    'user_id',
    trx('bk_merge_delta').where('had_row', false).select('user_id'),
  );
  await trx.raw(
    `INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
     SELECT m.user_id, coalesce(lt.balance, 0), coalesce(lt.credits, 0), coalesce(lt.debits, 0), lt.last_earned_at
     FROM bk_merge_delta m LEFT JOIN (?) lt ON lt.user_id = m.user_id WHERE NOT m.had_row
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now()`,
    [totals],
  );
  await trx.raw(
    `UPDATE users u SET rewards = u.rewards + m.d, updated_at = now()
     FROM bk_merge_delta m WHERE u.id = m.user_id AND m.had_user AND m.d <> 0`,
  );
}

/**
 * Sequences end at max(what they had handed out, the largest id restored): setval only when a
 * restored id is beyond the counter, so a restore that adds nothing leaves it where it was.
 */
async function advanceSequences(trx: Knex, tables: BackupTable[]): Promise<void> {
  for (const table of tables) {
    await trx.raw(
      `SELECT setval(seq, m) FROM (SELECT pg_get_serial_sequence(?, 'id') AS seq, (SELECT max(id) FROM ??) AS m) x
       WHERE m > coalesce(pg_sequence_last_value(seq::regclass), 0)`,
      [table, table],
    );
  }
}

/**
 * Writes the staged file into the real tables, in reference order, inside the caller's
 * transaction. Returns what changed per table. Users whose log rows were added or replaced are
 * left in `bk_touched` for the checks that follow.
 */
export async function writeStaged(trx: Knex, staged: Staged, mode: RestoreMode): Promise<Applied> {
  const tables = Object.keys(staged.columns) as BackupTable[];
  const applied: Applied = Object.fromEntries(
    tables.map((t) => [t, { inserted: 0, updated: 0, removed: 0 }]),
  );
  await trx.raw(`CREATE TEMP TABLE bk_touched (user_id integer PRIMARY KEY) ON COMMIT DROP`);
  if (mode === 'merge' && staged.columns.users) await mergeDeltas(trx, staged);
  if (mode === 'replace' && staged.columns.users) {
    Object.assign(applied, await removeUserRows(trx));
    await trx.raw(`INSERT INTO bk_touched SELECT id FROM bk_users`);
  }
  for (const table of tables) {
    const counts = (applied[table] ??= { inserted: 0, updated: 0, removed: 0 });
    if (table === 'users' && overwrites(mode, table)) counts.updated = await overwriteUsers(trx, staged);
    const inserted =
      table === 'points_transactions'
        ? await insertRestored(trx, stagingTable(table), staged.columns[table]!, 'bk_touched')
        : await insertMissing(trx, staged, table);
    counts.inserted = inserted;
  }
  if (mode === 'merge' && staged.columns.users) await moveCopies(trx);
  await advanceSequences(trx, tables);
  return applied;
}
