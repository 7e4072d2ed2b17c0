import type { Knex } from 'knex';
import type {
  BackupTable,
  RestoreMode,
  RestorePlan,
  RowProblem,
  TablePreview,
} from '../../../shared/contract/backup';
import { balanceTargetsSql, source } from './judge';
import { checkSignature } from './signature';
import { stagingTable, type Staged } from './stage';

/** Tables whose rows belong to one user: `replace` removes the rows of users in scope the file lacks. */
export const USER_TABLES: ReadonlySet<BackupTable> = new Set([
  'user_points',
  'points_transactions',
  'user_points_redemptions',
]);
/** Orders and rewards are shared with the shop and other users: a restore adds them, never overwrites. */
export const overwrites = (mode: RestoreMode, table: BackupTable) =>
  mode === 'replace' && (USER_TABLES.has(table) || table === 'users');

/** user_points has one row per user: it matches on the user, whatever its id. */
export const matchKey = (table: BackupTable) => (table === 'user_points' ? 'user_id' : 'id');

export const sameRow = (columns: string[]) =>
  `ROW(${columns.map((c) => `s."${c}"`).join(', ')}) IS NOT DISTINCT FROM ROW(${columns.map((c) => `r."${c}"`).join(', ')})`;

const MAX_PROBLEMS = 100;
const MAX_BALANCES = 200;

async function previewTable(
  trx: Knex,
  staged: Staged,
  table: BackupTable,
  mode: RestoreMode,
): Promise<TablePreview> {
  const columns = staged.columns[table] ?? ['id'];
  const key = matchKey(table);
  const s = source(staged, table);
  const counts = (await trx.raw(
    `SELECT count(*)::int AS in_file,
            count(*) FILTER (WHERE r.${key} IS NULL)::int AS insert,
            count(*) FILTER (WHERE r.${key} IS NOT NULL AND ${sameRow(columns)})::int AS identical
     FROM ${s} s LEFT JOIN ${table} r ON r.${key} = s.${key}`,
  )) as { rows: Array<{ in_file: number; insert: number; identical: number }> };
  const c = counts.rows[0]!;
  let remove = 0;
  if (mode === 'replace' && USER_TABLES.has(table) && staged.columns.users) {
    const r = (await trx.raw(
      `SELECT count(*)::int AS n FROM ${table} r WHERE r.user_id IN (SELECT id FROM bk_users)
       AND NOT EXISTS (SELECT 1 FROM ${s} s WHERE s.id = r.id)`,
    )) as { rows: Array<{ n: number }> };
    remove = r.rows[0]!.n;
  }
  return {
    table,
    inFile: c.in_file,
    insert: c.insert,
    identical: c.identical,
    conflicting: c.in_file - c.insert - c.identical,
    remove,
  };
}

async function conflicts(trx: Knex, staged: Staged, mode: RestoreMode): Promise<RowProblem[]> {
  const out: RowProblem[] = [];
  for (const table of Object.keys(staged.columns) as BackupTable[]) {
    if (out.length >= MAX_PROBLEMS) break;
    const key = matchKey(table);
    const r = (await trx.raw(
      `SELECT s._line AS line, s.id FROM ${stagingTable(table)} s JOIN ${table} r ON r.${key} = s.${key}
       WHERE NOT (${sameRow(staged.columns[table]!)}) ORDER BY s._line LIMIT ?`,
      [MAX_PROBLEMS - out.length],
    )) as { rows: Array<{ line: number; id: number }> };
    const problem = overwrites(mode, table)
      ? 'differs from the database: the file’s row replaces it'
      : mode === 'merge'
        ? 'differs from the database: merge keeps the database’s row'
        : 'differs from the database: kept, since orders and rewards are shared and never overwritten';
    out.push(...r.rows.map((row) => ({ table, line: row.line, id: row.id, problem })));
  }
  return out;
}

async function balances(trx: Knex, staged: Staged, mode: RestoreMode): Promise<RestorePlan['balances']> {
  if (!staged.columns.users) return { changed: 0, shown: [] };
  const r = (await trx.raw(
    `SELECT user_id, coalesce(points_before, 0) AS before, points_after AS after, rewards_before, rewards_after,
            count(*) OVER ()::int AS changed
     FROM (${balanceTargetsSql(staged, mode)}) b
     WHERE coalesce(points_before, -1) <> points_after OR coalesce(rewards_before, -1) <> rewards_after
     ORDER BY user_id LIMIT ?`,
    [MAX_BALANCES],
  )) as {
    rows: Array<{
      user_id: number;
      before: number;
      after: string;
      rewards_before: number | null;
      rewards_after: string;
      changed: number;
    }>;
  };
  return {
    changed: r.rows[0]?.changed ?? 0,
    shown: r.rows.map((row) => ({
      userId: row.user_id,
      before: Number(row.before),
      after: Number(row.after),
      rewardsBefore: row.rewards_before,
      rewardsAfter: Number(row.rewards_after),
    })),
  };
}

/** What restoring the staged file in `mode` would do, table by table and user by user. */
export async function previewRestore(
  trx: Knex,
  staged: Staged,
  path: string,
  mode: RestoreMode,
): Promise<RestorePlan> {
  const tables: TablePreview[] = [];
  for (const table of Object.keys(staged.columns) as BackupTable[])
    tables.push(await previewTable(trx, staged, table, mode));
  // A replace clears the users' rows of every user table, also those the file has no section for.
  if (mode === 'replace' && staged.columns.users)
    for (const table of USER_TABLES)
      if (!staged.columns[table]) tables.push({ ...(await previewTable(trx, staged, table, mode)) });
  return {
    path,
    mode,
    header: staged.header,
    sha256: staged.sha256,
    signature: await checkSignature(trx, staged.sha256, staged.signature),
    tables,
    balances: await balances(trx, staged, mode),
    problems: await conflicts(trx, staged, mode),
  };
}
