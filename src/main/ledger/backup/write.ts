import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { BackupTable, RestoreMode, RestoreResult } from '../../../shared/contract/backup';
import { ownerRole } from '../../../shared/roles';
import { callWrite } from '../writeApi';
import { stagingTable, type Staged } from './stage';

export type Applied = RestoreResult['applied'];

export interface WriteOptions {
  /**
   * The file comes from another Pointkeeper database and its restore was acknowledged: its rows
   * are re-sealed with this database's key instead of being refused for failing it.
   */
  reseal?: boolean;
}

/**
 * Writes the staged file into the real tables through the database's pointkeeper_restore_write
 * (removal, inserts, the copies, sequences, the chain check and the operations-log entry happen
 * there, in the caller's transaction). The function runs as the database's owner role, which is
 * given read access to this session's staging tables for the purpose. Users whose log rows were
 * added or replaced are left in `bk_touched` for the checks that follow.
 */
export async function writeStaged(
  trx: Knex,
  staged: Staged,
  mode: RestoreMode,
  options: WriteOptions = {},
): Promise<{ applied: Applied; restoreId: string; resealed: number }> {
  const database = ((await trx.raw('SELECT current_database() AS name')) as { rows: Array<{ name: string }> })
    .rows[0]!.name;
  const owner = ownerRole(database);
  await trx.raw(`CREATE TEMP TABLE bk_touched (user_id integer PRIMARY KEY) ON COMMIT DROP`);
  await trx.raw('GRANT SELECT, INSERT ON bk_touched TO ??', [owner]);
  for (const table of Object.keys(staged.columns) as BackupTable[]) {
    await trx.raw('GRANT SELECT ON ?? TO ??', [stagingTable(table), owner]);
  }
  const restoreId = randomUUID();
  const result = await callWrite<{ applied: Applied; resealed: number }>(
    trx,
    'pointkeeper_restore_write(?::uuid, ?, ?::jsonb, ?)',
    [restoreId, mode, JSON.stringify(staged.columns), options.reseal === true],
  );
  return { applied: result.applied, restoreId, resealed: Number(result.resealed) };
}
