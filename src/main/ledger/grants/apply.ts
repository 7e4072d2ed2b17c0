import type { Knex } from 'knex';
import type { GrantImport } from '../../../shared/contract/grants';
import { isConnectionError } from '../../db/unavailable';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';
import { getImport, rowsLeft } from './imports';

export const DEFAULT_CHUNK_ROWS = 5_000;

export interface ApplyOptions {
  chunkRows?: number;
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; rows: number; totalRows: number | null }) => void;
}

interface ChunkResult {
  applied: number;
  replayed: number;
  refused: number;
  rowsLeft: number;
}

const cancelled = (i: GrantImport) =>
  new AppError(
    'CANCELLED',
    `Cancelled with ${rowsLeft(i).toLocaleString('en')} of ${i.rows.toLocaleString('en')} rows left; the applied rows stay. Apply the import again to finish it.`,
    { importId: i.importId, rowsLeft: rowsLeft(i) },
  );

async function finish(db: Knex, importId: string, status: 'done' | 'cancelled' | 'failed'): Promise<void> {
  await callWrite(db, 'pointkeeper_grants_finish(?::uuid, ?)', [importId, status]);
}

/**
 * Applies a staged import, or resumes one that was cancelled or cut off: each chunk is one
 * transaction of the database's pointkeeper_grants_apply, which takes the next pending rows in
 * line order, so a resumed run starts exactly where the last commit left it. The first start
 * passes the approval gate (a policy covering bulk grants makes it a request).
 */
export async function applyImport(
  db: Knex,
  importId: string,
  options: ApplyOptions = {},
): Promise<GrantImport> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  await callWrite(db, 'pointkeeper_grants_start(?::uuid)', [importId]);
  let current = await getImport(db, importId);
  const report = () =>
    options.onProgress?.({
      phase: 'applying',
      rows: current.rows - rowsLeft(current),
      totalRows: current.rows,
    });
  report();
  try {
    while (rowsLeft(current) > 0) {
      if (options.signal?.aborted) throw cancelled(current);
      await callWrite<ChunkResult>(db, 'pointkeeper_grants_apply(?::uuid, ?)', [importId, chunkRows]);
      current = await getImport(db, importId);
      report();
    }
    await finish(db, importId, 'done');
  } catch (error) {
    // A lost connection leaves the import 'applying': apply it again to resume.
    if (!isConnectionError(error))
      await finish(
        db,
        importId,
        error instanceof AppError && error.code === 'CANCELLED' ? 'cancelled' : 'failed',
      ).catch(() => undefined);
    throw error;
  }
  return getImport(db, importId);
}
