import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { formatCount } from '../../../shared/format';
import { notify } from '../app/toastStore';
import { call } from './api';
import { grantsQueries } from './grants.queries';
import { markWrite } from './writes';

const refreshList = (client: QueryClient) =>
  client.invalidateQueries({ queryKey: grantsQueries.list().queryKey });

export const grantsMutations = {
  check: () =>
    mutationOptions({
      mutationKey: ['grants', 'check'] as const,
      mutationFn: (input: CallInput<'grants.check'>) => call('grants.check', input),
      meta: { inlineErrors: true },
    }),
  import: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['grants', 'import'] as const,
      mutationFn: (input: CallInput<'grants.import'>) => call('grants.import', input),
      meta: { inlineErrors: true },
      onSettled: () => refreshList(client),
    }),
  apply: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['grants', 'apply'] as const,
      mutationFn: (input: CallInput<'grants.apply'>) => call('grants.apply', input),
      meta: { inlineErrors: true },
      onSuccess: (r) => {
        notify('success', `Grant import done: ${formatCount(r.rowsApplied)} rows applied.`);
        markWrite();
        // Any user's balance may have changed.
        return client.invalidateQueries();
      },
      onSettled: () => refreshList(client),
    }),
  request: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['grants', 'request'] as const,
      mutationFn: (input: CallInput<'grants.request'>) => call('grants.request', input),
      meta: { inlineErrors: true },
      onSuccess: () => notify('success', 'Approval requested: another login approves it in Approvals.'),
      onSettled: () => client.invalidateQueries(),
    }),
  result: () =>
    mutationOptions({
      mutationKey: ['grants', 'result'] as const,
      mutationFn: (input: CallInput<'grants.result'>) => call('grants.result', input),
      meta: { inlineErrors: true },
      onSuccess: (r) => notify('success', `Result written: ${formatCount(r.rows)} rows to ${r.path}.`),
    }),
  template: () =>
    mutationOptions({
      mutationKey: ['grants', 'template'] as const,
      mutationFn: (input: CallInput<'grants.template'>) => call('grants.template', input),
      meta: { inlineErrors: true },
      onSuccess: (r) => notify('success', `Template written to ${r.path}.`),
    }),
  cancel: () =>
    mutationOptions({
      mutationKey: ['grants', 'cancel'] as const,
      mutationFn: (jobId: string) => call('grants.cancel', { jobId }),
    }),
};
