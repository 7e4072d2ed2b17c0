import { formatCount, formatDuration } from '../../../../shared/format';
import { useMutation } from '@tanstack/react-query';
import { Button } from '../../components/Button';
import { backupMutations } from '../../data/backup.mutations';
import { useProgress } from '../../data/progress';

/** A running export, restore or verify: rows, rate and estimate, and a Cancel that leaves nothing behind. */
export function JobProgress({ jobId, label }: { jobId: string; label: string }) {
  const event = useProgress({ jobId });
  const job = event?.progress ?? null;
  const cancel = useMutation(backupMutations.cancel());
  const percent = job?.total ? Math.min(100, Math.round((job.done / job.total) * 100)) : null;
  return (
    <div className="backup-progress" aria-live="polite">
      <div
        className={percent === null ? 'progress' : 'backup-bar'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(percent === null ? {} : { 'aria-valuenow': percent })}
      >
        <div
          className={percent === null ? 'progress-bar' : 'backup-bar-fill'}
          style={percent === null ? {} : { width: `${percent}%` }}
        />
      </div>
      <p className="muted" data-testid="job-status">
        {job
          ? `${job.phase ?? 'working'}: ${formatCount(job.done)}${job.total ? ` of ${formatCount(job.total)}` : ''} rows`
          : 'Starting…'}
        {event && event.perSecond > 0 && ` · ${formatCount(event.perSecond)} rows/s`}
        {event?.etaSeconds != null && ` · about ${formatDuration(event.etaSeconds * 1000)} left`}
      </p>
      {/* Its own row, sized to its text: stretched across the grid it looked like a text field. */}
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
    </div>
  );
}
