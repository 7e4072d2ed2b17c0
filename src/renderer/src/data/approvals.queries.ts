import { queryOptions } from '@tanstack/react-query';
import type { ApprovalView } from '../../../shared/contract';
import { call } from './api';

/** Requests change state under other logins' hands: these poll, so the screen shows it live. */
export const APPROVALS_POLL_MS = 3_000;

export const approvalsQueries = {
  all: () => ['approvals'] as const,
  list: (view: ApprovalView) =>
    queryOptions({
      queryKey: [...approvalsQueries.all(), 'list', view] as const,
      queryFn: () => call('approvals.list', { view, limit: 200 }),
      refetchInterval: APPROVALS_POLL_MS,
    }),
  waitingCount: () =>
    queryOptions({
      queryKey: [...approvalsQueries.all(), 'waitingCount'] as const,
      queryFn: () => call('approvals.waitingCount', {}),
      refetchInterval: APPROVALS_POLL_MS * 2,
    }),
  policies: () =>
    queryOptions({
      queryKey: ['policies'] as const,
      queryFn: () => call('policies.list', {}),
    }),
};
