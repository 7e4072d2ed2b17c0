import type { RecoveryRun } from '../../../../shared/contract';
import { formatCount, formatDate, formatSignedPoints } from '../../../../shared/format';
import { hrefOf } from '../../app/router';
import { useProgress } from '../../data/progress';
import { Stat, Stats } from '../../components/Stat';

/** Chunks committed so far, pushed by the apply as each one commits. */
export function RunProgress({ runId }: { runId: string }) {
  const event = useProgress({ call: 'recovery.apply', jobId: runId });
  const done = event?.progress.done ?? 0;
  const total = event?.progress.total ?? 0;
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <section className="card" aria-label="Applying">
      <p>
        {total > 0
          ? `Applying: ${done} of ${total} chunks committed`
          : 'Checking that nothing changed since the preview…'}
      </p>
      <div
        className="progress-determinate"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label="Recovery progress"
      >
        <div className="progress-determinate-bar" style={{ width: `${percent}%` }} />
      </div>
    </section>
  );
}

/** "Recover, 2026-12-02 14:05 by alice": what a person calls a run; its id stays in the tooltip. */
export function runName(run: Pick<RecoveryRun, 'action' | 'startedAt' | 'actor'>): string {
  return `${run.action === 'sync' ? 'Sync' : 'Recover'}, ${formatDate(run.startedAt)} by ${run.actor}`;
}

export function RunResult({ run }: { run: RecoveryRun }) {
  return (
    <section className="card" aria-label="Result" data-testid="recovery-result">
      <h2 className="card-title">
        {run.action === 'sync' ? 'Sync' : 'Recover'} {run.status === 'done' ? 'applied' : run.status}
      </h2>
      <Stats>
        <Stat label="Users changed" testId="result-changed">
          {formatCount(run.usersChanged)}
        </Stat>
        <Stat label="Rows created">{formatCount(run.rowsCreated)}</Stat>
        <Stat label="Adjustments">
          {formatCount(run.adjustments)} ({formatSignedPoints(run.adjustmentPoints)})
        </Stat>
        <Stat label="Chunks">
          {run.chunksDone} / {run.chunksTotal}
        </Stat>
      </Stats>
      <p className="muted">
        Run <span title={`Run id ${run.runId}`}>{runName(run)}</span>.{' '}
        <a href={hrefOf(['operations'], { action: 'recovery.' })}>See it in the operations log</a>
      </p>
    </section>
  );
}
