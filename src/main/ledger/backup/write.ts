import type { Knex } from 'knex';
import type { BackupTable, RestoreMode, RestoreResult } from '../../../shared/contract/backup';
import { insertRestored } from '../append';
import { logTotalsQuery } from '../logTotals';
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

/** merge: users who received log rows get their derived copies rebuilt from the log. */
async function rebuildCopies(trx: Knex, users: Knex.QueryBuilder): Promise<void> {
  const totals = logTotalsQuery(trx).whereIn('user_id', users);
  await trx.raw(
    `INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
     SELECT user_id, balance, credits, debits, last_earned_at FROM (?) lt
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now()`,
    [totals],
  );
  await trx.raw(
    `UPDATE users u SET rewards = lt.balance, updated_at = now() FROM (?) lt WHERE u.id = lt.user_id`,
    [totals],
  );
}

/** Sequences move past every restored id, never back (ids of removed rows are not reused). */
async function advanceSequences(trx: Knex, tables: BackupTable[]): Promise<void> {
  for (const table of tables) {
    await trx.raw(
      `SELECT setval(pg_get_serial_sequence(?, 'id'),
                     greatest((SELECT coalesce(max(id), 0) FROM ??), nextval(pg_get_serial_sequence(?, 'id'))))`,
      [table, table, table],
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
  if (mode === 'merge' && applied.points_transactions?.inserted)
    await rebuildCopies(trx, trx('bk_touched').select('user_id'));
  await advanceSequences(trx, tables);
  return applied;
}
