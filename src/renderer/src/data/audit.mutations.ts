import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { call } from './api';
import { auditQueries } from './audit.queries';

export const auditMutations = {
  scan: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['audit', 'scan'] as const,
      mutationFn: (input: CallInput<'audit.scan'>) => call('audit.scan', input),
      meta: { inlineErrors: true },
      onSettled: () => client.invalidateQueries({ queryKey: auditQueries.all() }),
    }),
  cancelScan: () =>
    mutationOptions({
      mutationFn: (scanId: number) => call('audit.cancelScan', { scanId }),
    }),
  exportReport: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (input: CallInput<'report.export'>) => call('report.export', input),
      meta: { inlineErrors: true },
      // Every export is an operations-log entry.
      onSuccess: () => client.invalidateQueries({ queryKey: ['operations'] }),
    }),
};
