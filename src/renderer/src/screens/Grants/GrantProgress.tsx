import { useMutation } from '@tanstack/react-query';
import { formatCount } from '../../../../shared/format';
import { Button } from '../../components/Button';
import { grantsMutations } from '../../data/grants.mutations';
import { useProgress } from '../../data/progress';

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
  // Pushed by the main process as the check, import or apply goes (no request per update).
  const event = useProgress({ jobId });
  const job = event?.progress ?? null;
  const cancel = useMutation(grantsMutations.cancel());
  const percent = job?.total ? Math.min(100, Math.round((job.done / job.total) * 100)) : null;
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
          ? `${job.phase ?? 'working'}: ${formatCount(job.done)}${job.total ? ` of ${formatCount(job.total)}` : ''} rows`
          : 'Starting…'}
        {event && event.perSecond > 0 && ` · ${formatCount(Math.round(event.perSecond))} rows/s`}
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
