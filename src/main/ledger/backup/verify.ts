import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { VerifyResult } from '../../../shared/contract/backup';
import { createKnex, type PgConnection } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { AppError } from '../../errors';
import { chainBreaksQuery } from '../chain';
import { logTotalsQuery } from '../logTotals';
import type { WorkOptions } from './export';
import { judgeStaged } from './judge';
import { stageBackup } from './stage';
import { writeStaged } from './write';

async function createScratch(db: Knex, name: string): Promise<void> {
  try {
    await db.raw(`CREATE DATABASE ${name}`);
  } catch (error) {
    if ((error as { code?: string }).code === '42501')
      throw new AppError(
        'FORBIDDEN',
        'Verifying a backup needs a login that may create databases (CREATEDB): it restores into a scratch database.',
      );
    throw error;
  }
}

async function countScratch(
  scratch: Knex,
): Promise<Pick<VerifyResult, 'chainBreaks' | 'copyMismatches' | 'users'>> {
  const breaks = (await scratch.from(chainBreaksQuery(scratch).as('b')).count({ n: '*' }).first()) as {
    n: number;
  };
  const totals = logTotalsQuery(scratch);
  const copies = (await scratch.raw(
    `SELECT count(*)::int AS n, (SELECT count(*)::int FROM users) AS users FROM users u
     LEFT JOIN user_points up ON up.user_id = u.id LEFT JOIN (?) lt ON lt.user_id = u.id
     WHERE coalesce(up.points, 0) <> coalesce(lt.balance, 0) OR u.rewards <> coalesce(lt.balance, 0)
        OR coalesce(up.total_earned, 0) <> coalesce(lt.credits, 0) OR coalesce(up.total_redeemed, 0) <> coalesce(lt.debits, 0)`,
    [totals],
  )) as { rows: Array<{ n: number; users: number }> };
  return { chainBreaks: Number(breaks.n), copyMismatches: copies.rows[0]!.n, users: copies.rows[0]!.users };
}

/**
 * backup.verify: restores the file into a fresh scratch database on the same server (migrated to
 * this console's schema), checks every chain and every derived copy there, and drops it. The
 * real database is only used to create and drop the scratch one.
 */
export async function verifyBackup(
  db: Knex,
  connection: PgConnection,
  path: string,
  options: WorkOptions,
): Promise<VerifyResult> {
  const started = performance.now();
  const name = `pointkeeper_verify_${randomBytes(6).toString('hex')}`;
  await createScratch(db, name);
  const scratch = createKnex({ ...connection, database: name }, 2);
  try {
    options.onProgress({ phase: 'prepare scratch database', rows: 0, totalRows: null });
    await migrateLatest(scratch);
    const { sha256, rows } = await scratch.transaction(async (trx) => {
      const staged = await stageBackup(trx, path, options);
      if (options.signal.aborted) throw new AppError('CANCELLED', 'Verifying the backup was cancelled.');
      // The restore's own judgement: a file a restore would refuse is refused here, by the same words.
      await judgeStaged(trx, staged, 'replace');
      options.onProgress({ phase: 'restore into scratch', rows: 0, totalRows: null });
      await writeStaged(trx, staged, 'replace');
      return { sha256: staged.sha256, rows: Object.values(staged.counts).reduce((s, n) => s + n, 0) };
    });
    options.onProgress({ phase: 'check chains and copies', rows, totalRows: rows });
    const found = await countScratch(scratch);
    return {
      path,
      sha256,
      rows,
      ...found,
      ok: found.chainBreaks === 0 && found.copyMismatches === 0,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  } finally {
    await scratch.destroy();
    await db.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
