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
    const base = {
      path,
      fileName: basename(path),
      sha256: read.sha256,
      bytes: read.bytes,
      rows: read.rows,
    };
    // Keeping: the stage function judges every row itself, so they are listed only when it refuses.
    const staged =
      keep && read.problems.length === 0 ? await keepStage(trx, base.fileName, read.sha256) : null;
    const importId = typeof staged === 'string' ? staged : null;
    if (!importId) {
      const found = read.rows === 0 ? { problems: [], count: 0 } : await stagedProblems(trx, SHOWN_PROBLEMS);
      const problemCount = read.problems.length + found.count;
      const problems = merge(read.problems, found.problems);
      if (problemCount > 0) return { ...base, problems, problemCount, preview: null, importId: null };
      // Refused for something other than a row (its file name, say): that refusal is the answer.
      if (staged instanceof AppError) throw staged;
    }
    const preview = await stagedPreview(trx);
    return { ...base, problems: [], problemCount: 0, preview, importId };
  });
}

/** Stages the checked rows as an import in a savepoint: a refusal (any problem) leaves the check going. */
async function keepStage(
  trx: Knex.Transaction,
  fileName: string,
  sha256: string,
): Promise<string | AppError> {
  const importId = randomUUID();
  try {
    await trx.transaction((sp) =>
      callWrite(sp, 'pointkeeper_grants_stage(?, ?, ?)', [importId, fileName.slice(0, 255), sha256]),
    );
    return importId;
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION') return error;
    throw error;
  }
}
