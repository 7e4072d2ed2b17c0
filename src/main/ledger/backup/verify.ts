import type { Knex } from 'knex';
import type { VerifyResult } from '../../../shared/contract/backup';
import { ownerRole } from '../../../shared/roles';
import { AppError } from '../../errors';
import type { WorkOptions } from './export';
import { judgeStaged } from './judge';
import { stageBackup, stagingTable, type Staged } from './stage';

/**
 * The file's own log checked under this database's key (pointkeeper_staged_chain_breaks: the
 * key never leaves the database), and its copies against its own log. A row altered in the file,
 * or a file from another Pointkeeper database, fails the chain here.
 */
async function countStaged(
  trx: Knex,
  staged: Staged,
): Promise<Pick<VerifyResult, 'chainBreaks' | 'copyMismatches' | 'users'>> {
  let chainBreaks = 0;
  if (staged.columns.points_transactions) {
    const database = (
      (await trx.raw('SELECT current_database() AS name')) as { rows: Array<{ name: string }> }
    ).rows[0]!.name;
    await trx.raw('GRANT SELECT ON ?? TO ??', [stagingTable('points_transactions'), ownerRole(database)]);
    const breaks = (await trx.raw(
      'SELECT count(*)::int AS n FROM pointkeeper_staged_chain_breaks(NULL)',
    )) as {
      rows: Array<{ n: number }>;
    };
    chainBreaks = breaks.rows[0]!.n;
  }
  if (!staged.columns.users) return { chainBreaks, copyMismatches: 0, users: 0 };
  const points = staged.columns.user_points
    ? 'bk_user_points'
    : '(SELECT NULL::int AS user_id, 0 AS points, 0 AS total_earned, 0 AS total_redeemed WHERE false)';
  const log = staged.columns.points_transactions
    ? 'bk_points_transactions'
    : '(SELECT NULL::int AS user_id, 0 AS points WHERE false)';
  const copies = (await trx.raw(
    `WITH lt AS (
       SELECT user_id, sum(points)::bigint AS balance,
              coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS credits,
              coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS debits
       FROM ${log} GROUP BY user_id)
     SELECT count(*) FILTER (WHERE coalesce(up.points, 0) <> coalesce(lt.balance, 0) OR u.rewards <> coalesce(lt.balance, 0)
              OR coalesce(up.total_earned, 0) <> coalesce(lt.credits, 0)
              OR coalesce(up.total_redeemed, 0) <> coalesce(lt.debits, 0))::int AS n,
            count(*)::int AS users
     FROM bk_users u LEFT JOIN ${points} up ON up.user_id = u.id LEFT JOIN lt ON lt.user_id = u.id`,
  )) as { rows: Array<{ n: number; users: number }> };
  return { chainBreaks, copyMismatches: copies.rows[0]!.n, users: copies.rows[0]!.users };
}

/**
 * backup.verify: reads the whole file into temporary tables of a transaction that is always
 * rolled back, and checks its chains (under this database's key) and its copies against its own
 * log. Nothing is written, and no scratch database (nor its roles) is made.
 */
export async function verifyBackup(db: Knex, path: string, options: WorkOptions): Promise<VerifyResult> {
  const started = performance.now();
  const trx = await db.transaction();
  try {
    const staged = await stageBackup(trx, path, options);
    if (options.signal.aborted) throw new AppError('CANCELLED', 'Verifying the backup was cancelled.');
    // The restore's own judgement: a file a restore would refuse is refused here, by the same words.
    await judgeStaged(trx, staged, 'replace');
    const rows = Object.values(staged.counts).reduce((s, n) => s + n, 0);
    options.onProgress({ phase: 'check chains and copies', rows, totalRows: rows });
    const found = await countStaged(trx, staged);
    return {
      path,
      sha256: staged.sha256,
      rows,
      ...found,
      ok: found.chainBreaks === 0 && found.copyMismatches === 0,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  } finally {
    await trx.rollback();
  }
}
