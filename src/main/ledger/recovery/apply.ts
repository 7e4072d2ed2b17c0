import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { RecoveryRun, RecoveryRunStatus } from '../../../shared/contract/recovery';
import { AppError } from '../../errors';
import { appendTransaction } from '../append';
import { decide } from './decide';
import {
  DEFAULT_CHUNK_USERS,
  planFingerprint,
  scanScope,
  scopeIds,
  type ChunkMark,
  type RecoveryRequest,
  type ScanOptions,
} from './plan';
import { lockUsers, rebuildCopies } from './rebuild';
import { chunkDone, finishRun, getRun, startRun, type ChunkCounts } from './runs';
import { readChunk, readUsers, stillUnclean } from './state';

export interface ApplyInput extends RecoveryRequest {
  fingerprint: string;
  runId?: string | undefined;
}

const moved = (what: string) =>
  new AppError('CONFLICT', `${what} changed since the preview: nothing was applied from it. Preview again.`);

/**
 * One chunk in one transaction: read it again and check it is as the plan saw it, lock the
 * users it changes, check them once more under the lock, append recover's adjustments, rebuild
 * the copies from the log, and prove they are clean before committing.
 */
async function applyChunk(
  trx: Knex.Transaction,
  request: RecoveryRequest,
  chunk: ChunkMark,
  chunkSize: number,
): Promise<ChunkCounts> {
  const fresh = await readChunk(trx, {
    afterId: chunk.afterId,
    size: chunkSize,
    ids: scopeIds(request.scope),
    onlyUnclean: request.scope === 'discrepancies',
  });
  if (fresh.lastId !== chunk.state.lastId || fresh.fingerprint !== chunk.state.fingerprint) {
    throw moved(`The users after id ${chunk.afterId}`);
  }
  const work = fresh.unclean
    .map((state) => ({ state, plan: decide(request.action, state) }))
    .filter((w) => w.plan.decision !== 'blocked_negative');
  const counts: ChunkCounts = {
    usersChanged: work.length,
    rowsCreated: 0,
    adjustments: 0,
    adjustmentPoints: 0,
  };
  if (work.length === 0) return counts;
  const ids = work.map((w) => w.state.userId);
  await lockUsers(trx, ids);
  const locked = await readUsers(trx, ids);
  if (JSON.stringify(locked.unclean) !== JSON.stringify(work.map((w) => w.state))) {
    throw moved(`A user between ids ${ids[0]} and ${ids.at(-1)}`);
  }
  for (const { state, plan } of work) {
    if (plan.createsRow) counts.rowsCreated++;
    for (const t of plan.transactions) {
      await appendTransaction(trx, { user_id: state.userId, ...t });
      counts.adjustments++;
      counts.adjustmentPoints += t.points;
    }
  }
  await rebuildCopies(trx, ids);
  const left = await stillUnclean(trx, ids);
  if (left.length > 0) {
    throw new AppError(
      'INTERNAL',
      `Recovery left users ${left.slice(0, 10).join(', ')} unclean; rolled back.`,
    );
  }
  return counts;
}

function statusOf(error: unknown): RecoveryRunStatus {
  if (error instanceof AppError && error.code === 'CONFLICT') return 'conflict';
  if (error instanceof AppError && error.code === 'CANCELLED') return 'cancelled';
  return 'failed';
}

/**
 * Applies exactly the previewed plan. First every chunk is read again and the plan's
 * fingerprint recomputed: if anything moved, CONFLICT and nothing is written. Then each chunk
 * commits on its own, in user id order, with its progress in recovery_runs; a cancel or a crash
 * leaves the finished chunks consistent, and a new preview and apply finishes the rest.
 */
export async function applyRecovery(
  db: Knex,
  input: ApplyInput,
  options: ScanOptions = {},
): Promise<RecoveryRun> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_USERS;
  const chunks: ChunkMark[] = [];
  await scanScope(db, input, { ...options, chunkSize }, (c) => {
    chunks.push({ afterId: c.afterId, state: { ...c.state, unclean: [] } });
  });
  if (planFingerprint(input, chunks) !== input.fingerprint) throw moved('The data');
  const runId = input.runId ?? randomUUID();
  await startRun(db, {
    id: runId,
    action: input.action,
    scope: input.scope,
    fingerprint: input.fingerprint,
    chunksTotal: chunks.length,
  });
  try {
    for (const [i, chunk] of chunks.entries()) {
      if (options.signal?.aborted) {
        throw new AppError(
          'CANCELLED',
          `Cancelled after ${i} of ${chunks.length} chunks; those are applied and consistent. Preview and apply again to finish.`,
          { runId, chunksDone: i },
        );
      }
      await db.transaction(async (trx) => {
        const counts = await applyChunk(trx, input, chunk, chunkSize);
        await chunkDone(trx, runId, counts);
      });
      options.progress?.({ done: i + 1, total: chunks.length, message: 'chunks applied' });
    }
    await finishRun(db, runId, 'done');
  } catch (error) {
    await finishRun(db, runId, statusOf(error)).catch(() => undefined);
    throw error;
  }
  return getRun(db, runId);
}
