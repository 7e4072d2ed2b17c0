import { useEffect, useState } from 'react';
import type { ProgressCallName } from '../../../shared/contract';
import type { ProgressEvent } from '../../../shared/progress';
import { subscribeProgress } from './api';

export interface ProgressMatch {
  /** The long call to follow; any that emits progress when omitted. */
  call?: ProgressCallName;
  /** Its job id (a backup's jobId, a recovery run's runId); null follows nothing. */
  jobId?: string | null;
}

const matches = (event: ProgressEvent, { call, jobId }: ProgressMatch) =>
  (call === undefined || event.call === call) && (jobId === undefined || event.jobId === jobId);

/**
 * The latest pushed progress event of one long call: subscribed while the component is mounted
 * (and only while the job id is set), unsubscribed when it unmounts. Nothing is asked of the
 * backend: the events come to the window, one per update.
 */
export function useProgress(match: ProgressMatch): ProgressEvent | null {
  const { call, jobId } = match;
  const [latest, setLatest] = useState<ProgressEvent | null>(null);
  useEffect(() => {
    if (jobId === null) return undefined;
    const wanted: ProgressMatch = { ...(call ? { call } : {}), ...(jobId !== undefined ? { jobId } : {}) };
    return subscribeProgress((event) => {
      if (matches(event, wanted)) setLatest(event);
    });
  }, [call, jobId]);
  // An event of the previous job is not this one's progress.
  return latest !== null && jobId !== null && matches(latest, { call, jobId }) ? latest : null;
}
