import { useQuery } from '@tanstack/react-query';
import type { RecoveryRun } from '../../../../shared/contract';
import { formatSignedPoints } from '../../../../shared/format';
import { hrefOf } from '../../app/router';
import { recoveryQueries } from '../../data/recovery.queries';

/** Chunks committed so far, read from the run's own row while the apply works. */
export function RunProgress({ runId }: { runId: string }) {
  const run = useQuery(recoveryQueries.run(runId, true));
  const done = run.data?.chunksDone ?? 0;
  const total = run.data?.chunksTotal ?? 0;
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

export function RunResult({ run }: { run: RecoveryRun }) {
  return (
    <section className="card" aria-label="Result" data-testid="recovery-result">
      <h2 className="card-title">
        {run.action === 'sync' ? 'Sync' : 'Recover'} {run.status === 'done' ? 'applied' : run.status}
      </h2>
      <dl className="stats">
        <div className="stat">
          <dt>Users changed</dt>
          <dd data-testid="result-changed">{run.usersChanged.toLocaleString()}</dd>
        </div>
        <div className="stat">
          <dt>Rows created</dt>
          <dd>{run.rowsCreated.toLocaleString()}</dd>
        </div>
        <div className="stat">
          <dt>Adjustments</dt>
          <dd>
            {run.adjustments.toLocaleString()} ({formatSignedPoints(run.adjustmentPoints)})
          </dd>
        </div>
        <div className="stat">
          <dt>Chunks</dt>
          <dd>
            {run.chunksDone} / {run.chunksTotal}
          </dd>
        </div>
      </dl>
      <p className="muted">
        Run <span className="mono">{run.runId}</span> by {run.actor}.{' '}
        <a href={hrefOf(['operations'], { action: 'recovery.' })}>See it in the operations log</a>
      </p>
    </section>
  );
}
