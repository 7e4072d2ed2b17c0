import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { RecoveryRun, RecoveryRunStatus } from '../../../shared/contract/recovery';
import { isConnectionError } from '../../db/unavailable';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';
import { planFingerprint, type PlannedChunk, type RecoveryRequest, type ScanOptions } from './plan';
import { finishRun, getRun, startRun } from './runs';

export interface ApplyInput extends RecoveryRequest {
  fingerprint: string;
  runId?: string | undefined;
}

const moved = (what: string) =>
  new AppError('CONFLICT', `${what} changed since the preview: nothing was applied from it. Preview again.`);

/** The plan the preview stored under this fingerprint, checked against it; CONFLICT otherwise. */
async function storedPlan(db: Knex, input: ApplyInput): Promise<PlannedChunk[]> {
  const plan = (await db('recovery_plans').where({ fingerprint: input.fingerprint }).first('extra')) as
    { extra: string } | undefined;
  if (!plan) throw moved('The data (or this preview is unknown or older than a week)');
  const rows = (await db('recovery_plan_chunks')
    .where({ fingerprint: input.fingerprint })
    .orderBy('chunk')
    .select('user_ids', 'state_hash')) as Array<{ user_ids: number[]; state_hash: string }>;
  const chunks = rows.map((r) => ({ ids: r.user_ids, stateHash: r.state_hash }));
  // The fingerprint is the hash of the action, the scope and this content: a plan stored for
  // another action or scope, or altered since, does not match it.
  if (planFingerprint(input, plan.extra, chunks) !== input.fingerprint) throw moved('The plan');
  return chunks;
}

/**
 * One chunk in one statement: pointkeeper_recovery_apply_chunk locks its users, checks under
 * the lock that their state hashes as the preview saw it, lets pointkeeper_recovery_apply write
 * (recover's adjustments — decided by the database, which only records what a stored copy shows
 * above the log — the copies rebuilt from the log, the run's counters, the operations log) and
 * proves them clean before the transaction commits.
 */
async function applyChunk(trx: Knex.Transaction, runId: string, chunk: PlannedChunk): Promise<void> {
  await callWrite(trx, 'pointkeeper_recovery_apply_chunk(?::uuid, ?::int[], ?)', [
    runId,
    chunk.ids,
    chunk.stateHash,
  ]);
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
 * Chunks in flight at once after the first: each is its own session and transaction, on disjoint
 * users (migration 710). Two keep both cores of a small server busy, where one chunk at a time
 * left one idle; more would only queue on the same cores and hold more locks at once.
 */
const SESSIONS = 2;

/**
 * Applies exactly the previewed plan, chunk by chunk in user id order, each chunk committing on
 * its own with its progress in recovery_runs. Nothing reads the whole scope again: each chunk's
 * users are rechecked under their locks, and a user who moved stops the run at their chunk
 * (CONFLICT) with the chunks before it applied and consistent, and the one beside it in flight
 * applied too if it committed. The first chunk runs alone: it writes the run row, so a conflict
 * there leaves no trace but the operations log's entry. A cancel or a crash leaves the finished
 * chunks consistent; a new preview and apply finishes the rest.
 */
export async function applyRecovery(
  db: Knex,
  input: ApplyInput,
  options: ScanOptions = {},
): Promise<RecoveryRun> {
  const chunks = await storedPlan(db, input);
  const runId = input.runId ?? randomUUID();
  const run = {
    id: runId,
    action: input.action,
    scope: input.scope,
    fingerprint: input.fingerprint,
    chunksTotal: chunks.length,
  };
  if (chunks.length === 0) {
    await startRun(db, run);
    await finishRun(db, runId, 'done');
    return getRun(db, runId);
  }
  let done = 0;
  let next = 0;
  // { error: null } is a cancel, whose message counts the chunks committed by then.
  let failure: { error: unknown } | null = null;
  const cancelled = () =>
    new AppError(
      'CANCELLED',
      `Cancelled after ${done} of ${chunks.length} chunks; those are applied and consistent. Preview and apply again to finish.`,
      { runId, chunksDone: done },
    );
  const one = async (i: number) => {
    try {
      await db.transaction(async (trx) => {
        if (i === 0) await startRun(trx, run);
        await applyChunk(trx, runId, chunks[i]!);
      });
      done++;
      options.progress?.({ done, total: chunks.length, message: 'chunks applied' });
    } catch (error) {
      failure ??= { error };
    }
  };
  // Each session takes the next chunk until none is left, one has failed or the user cancelled;
  // a session stops only between chunks, so the count of committed chunks is exact at the end.
  const session = async () => {
    while (failure === null && next < chunks.length) {
      if (options.signal?.aborted) {
        failure = { error: null };
        return;
      }
      await one(next++);
    }
  };
  // The first chunk writes the run row the others count into: it goes alone.
  if (options.signal?.aborted) failure = { error: null };
  else await one(next++);
  await Promise.all(Array.from({ length: SESSIONS }, session));
  if (failure === null) {
    await finishRun(db, runId, 'done');
    return getRun(db, runId);
  }
  const error = (failure as { error: unknown }).error ?? cancelled();
  if (done > 0) await finishRun(db, runId, statusOf(error)).catch(() => undefined);
  throw interrupted(error, runId, done, chunks.length);
}
