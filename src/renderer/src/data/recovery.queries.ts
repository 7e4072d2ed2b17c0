import { queryOptions } from '@tanstack/react-query';
import { call } from './api';

export const recoveryQueries = {
  all: () => ['recovery'] as const,
  /** A run's progress, polled while its apply is working (the run row moves chunk by chunk). */
  run: (runId: string, polling: boolean) =>
    queryOptions({
      queryKey: [...recoveryQueries.all(), 'run', runId] as const,
      queryFn: () => call('recovery.run', { runId }),
      refetchInterval: polling ? 400 : false,
      // Until the apply has checked the plan, the run does not exist yet: keep asking quietly.
      retry: false,
    }),
};
