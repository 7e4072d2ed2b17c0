import type { Knex } from 'knex';
import { BACKUP_TABLES, type BackupScope, type ExportResult } from '../../../shared/contract/backup';
import { isCompressedPath, writeAtomically } from './atomicFile';
import {
  backupContent,
  checkUsersExist,
  countInScope,
  useBackupSettings,
  type ContentSource,
} from './content';
import { zeroCounts } from './format';
import { signDigest } from './signature';

export interface WorkProgress {
  phase: string;
  rows: number;
  totalRows: number | null;
}

export interface WorkOptions {
  signal: AbortSignal;
  onProgress: (p: WorkProgress) => void;
}

/**
 * Writes the rows in `scope` as `trx` sees them to `path`, atomically. `trx` must already be a
 * consistent view (a REPEATABLE READ snapshot, or a transaction holding the locks of the scope).
 */
export async function writeBackup(
  trx: Knex,
  scope: BackupScope,
  path: string,
  source: ContentSource,
  options: WorkOptions,
): Promise<ExportResult> {
  const started = performance.now();
  await useBackupSettings(trx);
  await checkUsersExist(trx, scope);
  const totals = await countInScope(trx, scope);
  const totalRows = BACKUP_TABLES.reduce((s, t) => s + totals[t], 0);
  let rows = 0;
  options.onProgress({ phase: 'export', rows, totalRows });
  const out = { counts: zeroCounts(), sha256: '' };
  const content = backupContent(
    trx,
    scope,
    source,
    (page) => {
      rows += page.rows;
      // The total may be an estimate (countInScope): the bar never runs past it, and ends full.
      options.onProgress({ phase: `export ${page.table}`, rows, totalRows: Math.max(totalRows, rows) });
    },
    options.signal,
    out,
  );
  const { bytes } = await writeAtomically(path, content, options.signal);
  options.onProgress({ phase: 'export', rows, totalRows: rows });
  const seconds = (performance.now() - started) / 1000;
  return {
    path,
    bytes,
    compressed: isCompressedPath(path),
    counts: out.counts,
    rows,
    sha256: out.sha256,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
  };
}

/**
 * backup.export: one READ ONLY REPEATABLE READ snapshot, so the file is one moment of the ledger.
 * The snapshot is read from `knex` (the reporting replica when the profile names one); the
 * signature, which logs itself, is always the primary's (`signer`).
 */
export async function exportBackup(
  knex: Knex,
  signer: Knex,
  input: { scope: BackupScope; path: string },
  source: ContentSource,
  options: WorkOptions,
): Promise<ExportResult> {
  // A cancel or a failed write in the middle of a table's COPY closes the snapshot's connection
  // (it cannot leave COPY), so the ROLLBACK that follows fails on a closed connection: the
  // reason the export stopped is what the caller hears, not that error. The snapshot was read
  // only; the server ends it with the connection.
  let stopped: unknown = null;
  try {
    // The snapshot is read only; the signature (which logs itself) is made on another connection.
    const signed = { ...source, sign: (sha256: string) => signDigest(signer, sha256) };
    return await knex.transaction(async (trx) => {
      await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return await writeBackup(trx, input.scope, input.path, signed, options).catch((error: unknown) => {
        stopped = error;
        throw error;
      });
    });
  } catch (error) {
    throw stopped ?? error;
  }
}
