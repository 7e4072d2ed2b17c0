import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { RecoveryDecision, RecoveryRun, RecoveryRunStatus } from '../../../shared/contract/recovery';
import { isConnectionError } from '../../db/unavailable';
import { AppError } from '../../errors';
import { decide } from './decide';
import {
  DEFAULT_CHUNK_USERS,
  planFingerprint,
  scanScope,
  type ChunkMark,
  type RecoveryRequest,
  type ScanOptions,
} from './plan';
import { applyUsers, lockUsers } from './rebuild';
import { finishRun, getRun, startRun } from './runs';
import { readUsers, stillUnclean, type UserState } from './state';

export interface ApplyInput extends RecoveryRequest {
  fingerprint: string;
  runId?: string | undefined;
}

const SKIPPED: ReadonlySet<RecoveryDecision> = new Set(['blocked_negative', 'investigate']);

const moved = (what: string) =>
  new AppError('CONFLICT', `${what} changed since the preview: nothing was applied from it. Preview again.`);

/** The users one chunk changes, and a hash of their state as the check before writing saw it. */
interface ChunkWork {
  ids: number[];
  stateHash: string;
}

const hashOf = (states: UserState[]) => createHash('sha256').update(JSON.stringify(states)).digest('hex');

/**
 * One chunk in one transaction: lock the users it changes, check under the lock that they are
 * exactly as the plan saw them, then let the database's pointkeeper_recovery_apply append
 * recover's adjustments, rebuild the copies from the log and count the chunk in its run — the
 * database decides the adjustments itself, so the plan can explain them but not invent them —
 * and prove them clean before committing.
 */
async function applyChunk(trx: Knex.Transaction, runId: string, work: ChunkWork): Promise<void> {
  await lockUsers(trx, work.ids);
  const locked = await readUsers(trx, work.ids);
  if (hashOf(locked.unclean) !== work.stateHash) {
    throw moved(`A user between ids ${work.ids[0]} and ${work.ids.at(-1)}`);
  }
  await applyUsers(trx, runId, work.ids);
  const left = await stillUnclean(trx, work.ids);
  if (left.length > 0) {
    throw new AppError(
      'INTERNAL',
      `Recovery left users ${left.slice(0, 10).join(', ')} unclean; rolled back.`,
    );
  }
}

/**
 * A session the server ended mid-run is not "cannot reach the server": it says so, how far the
 * run got, and how to finish. The committed chunks are consistent on their own.
 */
function interrupted(error: unknown, runId: string, done: number, total: number): unknown {
  if (!isConnectionError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const why =
    code === '57P01'
      ? 'it was terminated by an administrator or a server shutdown'
      : `it closed the connection${typeof code === 'string' ? ` (${code})` : ''} (terminated by an administrator, a restart or a failover)`;
  return new AppError(
    'DB_UNAVAILABLE',
    `The server ended this recovery's session: ${why}. ${done} of ${total} chunks were committed and are consistent; the rest was not applied. To finish, preview the same action and scope again and apply it (run ${runId}).`,
    { runId, chunksDone: done, chunksTotal: total },
  );
}

function statusOf(error: unknown): RecoveryRunStatus {
  if (error instanceof AppError && error.code === 'CONFLICT') return 'conflict';
  if (error instanceof AppError && error.code === 'CANCELLED') return 'cancelled';
  return 'failed';
}

/**
 * Applies exactly the previewed plan. First every chunk is read again and the plan's
 * fingerprint recomputed: if anything moved, CONFLICT and nothing is written. Then each chunk
 * that changes someone commits on its own, in user id order, with its progress in
 * recovery_runs; a cancel or a crash leaves the finished chunks consistent, and a new preview
 * and apply finishes the rest.
 */
export async function applyRecovery(
  db: Knex,
  input: ApplyInput,
  options: ScanOptions = {},
): Promise<RecoveryRun> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_USERS;
  const marks: ChunkMark[] = [];
  const chunks: ChunkWork[] = [];
  await scanScope(db, input, { ...options, chunkSize }, (c) => {
    marks.push({ afterId: c.afterId, state: { ...c.state, unclean: [] } });
    // Only ids and a hash are kept per chunk, so memory stays small for a million users.
    // Blocked and quarantined users are skipped: nothing unexplained is applied.
    const targets = c.state.unclean.filter((u) => !SKIPPED.has(decide(input.action, u).decision));
    if (targets.length > 0) chunks.push({ ids: targets.map((u) => u.userId), stateHash: hashOf(targets) });
  });
  if (planFingerprint(input, marks) !== input.fingerprint) throw moved('The data');
  const runId = input.runId ?? randomUUID();
  await startRun(db, {
    id: runId,
    action: input.action,
    scope: input.scope,
    fingerprint: input.fingerprint,
    chunksTotal: chunks.length,
  });
  let done = 0;
  try {
    for (const [i, chunk] of chunks.entries()) {
      if (options.signal?.aborted) {
        throw new AppError(
          'CANCELLED',
          `Cancelled after ${i} of ${chunks.length} chunks; those are applied and consistent. Preview and apply again to finish.`,
          { runId, chunksDone: i },
        );
      }
      await db.transaction((trx) => applyChunk(trx, runId, chunk));
      done = i + 1;
      options.progress?.({ done, total: chunks.length, message: 'chunks applied' });
    }
    await finishRun(db, runId, 'done');
  } catch (error) {
    await finishRun(db, runId, statusOf(error)).catch(() => undefined);
    throw interrupted(error, runId, done, chunks.length);
  }
  return getRun(db, runId);
}
