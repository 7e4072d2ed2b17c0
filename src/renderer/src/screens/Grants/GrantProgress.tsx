import { useMutation, useQuery } from '@tanstack/react-query';
import { formatCount } from '../../../../shared/format';
import { Button } from '../../components/Button';
import { grantsMutations } from '../../data/grants.mutations';
import { grantsQueries } from '../../data/grants.queries';

/** A running check or apply: rows so far, and a Cancel that stops after the current chunk. */
export function GrantProgress({
  jobId,
  label,
  cancellable,
}: {
  jobId: string;
  label: string;
  cancellable: boolean;
}) {
  const job = useQuery(grantsQueries.job(jobId)).data?.job ?? null;
  const cancel = useMutation(grantsMutations.cancel());
  const percent = job?.totalRows ? Math.min(100, Math.round((job.rows / job.totalRows) * 100)) : null;
  return (
    <div className="grants-progress" aria-live="polite">
      <div
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(percent === null ? {} : { 'aria-valuenow': percent })}
      >
        <div className="progress-bar" style={percent === null ? {} : { width: `${percent}%` }} />
      </div>
      <p className="muted" data-testid="grants-job-status">
        {job
          ? `${job.phase}: ${formatCount(job.rows)}${job.totalRows ? ` of ${formatCount(job.totalRows)}` : ''} rows`
          : 'Starting…'}
        {job && job.rowsPerSecond > 0 && ` · ${formatCount(job.rowsPerSecond)} rows/s`}
      </p>
      {cancellable && (
        <div>
          <Button
            variant="danger"
            size="small"
            disabled={cancel.isPending || cancel.data?.cancelled === true}
            onClick={() => cancel.mutate(jobId)}
          >
            {cancel.data?.cancelled ? 'Cancelling…' : 'Cancel'}
          </Button>
        </div>
      )}
    </div>
  );
}
