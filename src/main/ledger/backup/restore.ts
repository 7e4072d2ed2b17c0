import { dirname, join } from 'node:path';
import type { Knex } from 'knex';
import type { RestoreMode, RestorePlan, RestoreResult } from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { logTotalsQuery } from '../logTotals';
import type { ContentSource } from './content';
import { writeBackup, type WorkOptions } from './export';
import { judgeStaged } from './judge';
import { previewRestore } from './preview';
import { signDigest } from './signature';
import { stageBackup, type Staged } from './stage';
import { writeStaged } from './write';

export interface RestoreInput {
  path: string;
  mode: RestoreMode;
  safetyDir?: string | undefined;
  /** The person restores a file not signed by this database knowingly (see RestorePlan.signature). */
  acknowledgeNotSignedHere?: boolean | undefined;
}

const cancelled = (signal: AbortSignal) => {
  if (signal.aborted) throw new AppError('CANCELLED', 'The restore was cancelled; nothing was written.');
};

/**
 * backup.restore.plan: the whole file is validated and previewed inside a transaction that is
 * always rolled back, so planning never changes the database (temporary tables only).
 */
export async function planRestore(
  knex: Knex,
  input: RestoreInput,
  options: WorkOptions,
): Promise<RestorePlan> {
  const trx = await knex.transaction();
  try {
    const staged = await stageBackup(trx, input.path, options);
    cancelled(options.signal);
    await judgeStaged(trx, staged, input.mode);
    return await previewRestore(trx, staged, input.path, input.mode);
  } finally {
    await trx.rollback();
  }
}

/** The users in the file get their ledger lock, so no earn or redeem for them runs meanwhile. */
async function lockScope(trx: Knex, staged: Staged): Promise<void> {
  if (!staged.columns.users) return;
  await trx.raw('SELECT pointkeeper_lock_users(array(SELECT id FROM bk_users))');
}

async function safetyBackup(
  trx: Knex,
  staged: Staged,
  input: RestoreInput,
  source: ContentSource,
  options: WorkOptions,
): Promise<string | null> {
  const existing = (await trx.raw(
    `SELECT u.id FROM bk_users s JOIN users u ON u.id = s.id ORDER BY u.id`,
  )) as {
    rows: Array<{ id: number }>;
  };
  if (staged.header.scope !== 'full' && existing.rows.length === 0) return null;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(input.safetyDir ?? dirname(input.path), `pointkeeper-safety-${stamp}.ndjson.gz`);
  source = { ...source, sign: (sha256: string) => signDigest(trx, sha256) };
  const scope = staged.header.scope === 'full' ? 'full' : { userIds: existing.rows.map((r) => r.id) };
  await writeBackup(trx, scope, path, source, {
    signal: options.signal,
    onProgress: (p) => options.onProgress({ ...p, phase: `safety backup: ${p.phase}` }),
  });
  return path;
}

/**
 * After writing: the restore function has already refused any broken chain link among the
 * touched users (or re-sealed an acknowledged foreign file), so what is left to count is the
 * copies that disagree with the log.
 */
async function checkRestored(trx: Knex): Promise<RestoreResult['checks']> {
  // Counted, not fetched: a full restore touches every user, and a million ids as pg rows were a
  // hundred megabytes of this process's peak for a figure.
  const counted = (await trx('bk_touched').count({ n: '*' }).first()) as { n: string | number };
  const totals = logTotalsQuery(trx).whereIn('user_id', trx('bk_touched').select('user_id'));
  const mismatches = (await trx.raw(
    `SELECT count(*)::int AS n FROM bk_touched t JOIN users u ON u.id = t.user_id
     LEFT JOIN user_points up ON up.user_id = t.user_id LEFT JOIN (?) lt ON lt.user_id = t.user_id
     WHERE coalesce(up.points, 0) <> coalesce(lt.balance, 0) OR u.rewards <> coalesce(lt.balance, 0)
        OR coalesce(up.total_earned, 0) <> coalesce(lt.credits, 0) OR coalesce(up.total_redeemed, 0) <> coalesce(lt.debits, 0)`,
    [totals],
  )) as { rows: Array<{ n: number }> };
  return { users: Number(counted.n), chainBreaks: 0, copyMismatches: mismatches.rows[0]!.n };
}

/**
 * backup.restore.apply, in one transaction: validate and stage the file, lock its users, write a
 * safety backup of what is about to change, write, advance sequences, then verify every restored
 * user's chain. Any refusal, failure or cancel rolls everything back.
 */
export async function applyRestore(
  knex: Knex,
  input: RestoreInput,
  source: ContentSource,
  options: WorkOptions,
): Promise<RestoreResult> {
  const started = performance.now();
  return knex.transaction(async (trx) => {
    const staged = await stageBackup(trx, input.path, options);
    cancelled(options.signal);
    options.onProgress({ phase: 'preview', rows: 0, totalRows: null });
    await lockScope(trx, staged);
    await judgeStaged(trx, staged, input.mode);
    const plan = await previewRestore(trx, staged, input.path, input.mode);
    if (plan.signature.status !== 'this_database' && input.acknowledgeNotSignedHere !== true)
      throw new AppError(
        'VALIDATION',
        `The file is not signed by this database: ${plan.signature.text}. Restoring it needs an explicit acknowledgement (--accept-foreign in the CLI, the checkbox in Backups); nothing was written.`,
        { signature: plan.signature },
      );
    const safety = await safetyBackup(trx, staged, input, source, options);
    cancelled(options.signal);
    options.onProgress({ phase: 'write', rows: 0, totalRows: null });
    // The chain check of every restored user happens inside the write, under the database's key.
    const { applied } = await writeStaged(trx, staged, input.mode, {
      reseal: input.acknowledgeNotSignedHere === true,
    });
    cancelled(options.signal);
    options.onProgress({ phase: 'verify copies', rows: 0, totalRows: null });
    const checks = await checkRestored(trx);
    cancelled(options.signal);
    return {
      ...plan,
      safetyBackup: safety,
      applied,
      checks,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  });
}
