import type { Knex } from 'knex';
import type {
  RecoveryAction,
  RecoveryRun,
  RecoveryRunStatus,
  RecoveryScope,
} from '../../../shared/contract/recovery';
import { notFound } from '../../errors';
import { iso, isoOrNull } from '../dates';
import { callWrite } from '../writeApi';

/** A run that has not committed a chunk for this long is shown as stalled (its process died). */
const STALLED_AFTER_SECONDS = 300;

interface RunRow {
  id: string;
  action: RecoveryAction;
  scope: RecoveryScope;
  fingerprint: string;
  actor: string;
  status: RecoveryRunStatus;
  chunks_done: number;
  chunks_total: number;
  users_changed: number;
  rows_created: number;
  adjustments: number;
  adjustment_points: number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  stalled: boolean;
}

const toRun = (r: RunRow): RecoveryRun => ({
  runId: r.id,
  action: r.action,
  scope: r.scope,
  fingerprint: r.fingerprint,
  actor: r.actor,
  status: r.status,
  chunksDone: r.chunks_done,
  chunksTotal: r.chunks_total,
  usersChanged: r.users_changed,
  rowsCreated: r.rows_created,
  adjustments: r.adjustments,
  adjustmentPoints: r.adjustment_points,
  startedAt: iso(r.started_at),
  updatedAt: iso(r.updated_at),
  finishedAt: isoOrNull(r.finished_at),
  stalled: r.stalled,
});

export async function startRun(
  db: Knex,
  run: { id: string; action: RecoveryAction; scope: RecoveryScope; fingerprint: string; chunksTotal: number },
): Promise<void> {
  await callWrite(db, 'pointkeeper_recovery_start(?::uuid, ?, ?::jsonb, ?, ?)', [
    run.id,
    run.action,
    JSON.stringify(run.scope),
    run.fingerprint,
    run.chunksTotal,
  ]);
}

export async function finishRun(db: Knex, runId: string, status: RecoveryRunStatus): Promise<void> {
  await callWrite(db, 'pointkeeper_recovery_finish(?::uuid, ?)', [runId, status]);
}

export async function getRun(db: Knex, runId: string): Promise<RecoveryRun> {
  const row = (await db('recovery_runs')
    .where({ id: runId })
    .first(
      '*',
      db.raw(`status = 'running' AND updated_at < now() - make_interval(secs => ?) AS stalled`, [
        STALLED_AFTER_SECONDS,
      ]),
    )) as RunRow | undefined;
  if (!row) throw notFound(`Recovery run ${runId}`);
  return toRun(row);
}
