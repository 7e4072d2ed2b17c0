import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Knex } from 'knex';
import type { GrantCheck, GrantProblem } from '../../../shared/contract/grants';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';
import { stagedPreview } from './preview';
import { stageFile, stagedProblems } from './stage';

/** Problems listed in a check (all are counted). */
const SHOWN_PROBLEMS = 500;

export interface CheckOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; rows: number; totalRows: number | null }) => void;
}

async function readable(path: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new AppError('NOT_FOUND', `${path} was not found.`);
  if (!s.isFile()) throw new AppError('VALIDATION', `${path} is not a file.`);
}

const merge = (a: GrantProblem[], b: GrantProblem[]) =>
  [...a, ...b].sort((x, y) => x.line - y.line).slice(0, SHOWN_PROBLEMS);

/**
 * Reads, stages and judges a grant file in one transaction. With `keep`, a file without any
 * problem becomes an import (pointkeeper_grants_stage, which checks it all again); otherwise,
 * or with any problem, the transaction ends with nothing kept but what the caller is told.
 */
export async function checkGrantFile(
  db: Knex,
  path: string,
  keep: boolean,
  options: CheckOptions = {},
): Promise<GrantCheck> {
  await readable(path);
  return db.transaction(async (trx) => {
    options.onProgress?.({ phase: 'reading', rows: 0, totalRows: null });
    const read = await stageFile(trx, path, {
      signal: options.signal,
      onRows: (rows) => options.onProgress?.({ phase: 'reading', rows, totalRows: null }),
    });
    options.onProgress?.({ phase: 'checking', rows: read.rows, totalRows: read.rows });
    const found =
      read.problems.length > 0 && read.rows === 0
        ? { problems: [], count: 0 }
        : await stagedProblems(trx, SHOWN_PROBLEMS);
    const problemCount = read.problems.length + found.count;
    const base = {
      path,
      fileName: basename(path),
      sha256: read.sha256,
      bytes: read.bytes,
      rows: read.rows,
      problems: merge(read.problems, found.problems),
      problemCount,
    };
    if (problemCount > 0) return { ...base, preview: null, importId: null };
    const preview = await stagedPreview(trx);
    if (!keep) return { ...base, preview, importId: null };
    const importId = randomUUID();
    await callWrite(trx, 'pointkeeper_grants_stage(?, ?, ?)', [
      importId,
      base.fileName.slice(0, 255),
      read.sha256,
    ]);
    return { ...base, preview, importId };
  });
}
