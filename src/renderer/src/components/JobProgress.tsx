import { useMutation, type UseMutationOptions } from '@tanstack/react-query';
import { formatCount, formatDuration } from '../../../shared/format';
import { useProgress } from '../data/progress';
import { Button } from './Button';

interface Props {
  jobId: string;
  label: string;
  /** The domain's cancel call (data layer); without it the job cannot be stopped from here. */
  cancel?: UseMutationOptions<{ cancelled: boolean }, Error, string>;
  className?: string;
  testId?: string;
}

/**
 * A running long call, followed by its pushed progress events (no request per update): a bar
 * (determinate once the total is known), rows, rate and estimate, and a Cancel.
 */
export function JobProgress({ jobId, label, cancel, className, testId = 'job-status' }: Props) {
  const event = useProgress({ jobId });
  const job = event?.progress ?? null;
  const percent = job?.total ? Math.min(100, Math.round((job.done / job.total) * 100)) : null;
  return (
    <div className={`job-progress${className ? ` ${className}` : ''}`} aria-live="polite">
      <div
        className={percent === null ? 'progress' : 'progress-determinate'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(percent === null ? {} : { 'aria-valuenow': percent })}
      >
        <div
          className={percent === null ? 'progress-bar' : 'progress-determinate-bar'}
          style={percent === null ? {} : { width: `${percent}%` }}
        />
      </div>
      <p className="muted" data-testid={testId}>
        {job
          ? `${job.phase ?? 'working'}: ${formatCount(job.done)}${job.total ? ` of ${formatCount(job.total)}` : ''} rows`
          : 'Starting…'}
        {event && event.perSecond > 0 && ` · ${formatCount(Math.round(event.perSecond))} rows/s`}
        {event?.etaSeconds != null && ` · about ${formatDuration(event.etaSeconds * 1000)} left`}
      </p>
      {cancel && <CancelButton jobId={jobId} options={cancel} />}
    </div>
  );
}

function CancelButton({
  jobId,
  options,
}: {
  jobId: string;
  options: UseMutationOptions<{ cancelled: boolean }, Error, string>;
}) {
  const cancel = useMutation(options);
  return (
    // Its own row, sized to its text: stretched across the grid it looked like a text field.
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
  );
}
