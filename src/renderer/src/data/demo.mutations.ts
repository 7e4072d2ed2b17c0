import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { call } from './api';

/** A small data set: enough to search and page through, created in a few seconds. */
export const DEMO_DEFAULTS = { users: 1000, transactions: 10_000 } satisfies CallInput<'demo.generate'>;

export const demoMutations = {
  generate: (client: QueryClient) =>
    mutationOptions({
      mutationKey: ['demo', 'generate'] as const,
      mutationFn: (input: CallInput<'demo.generate'>) => call('demo.generate', input),
      // New users change every search, detail and the empty-database check.
      onSuccess: () => client.invalidateQueries(),
    }),
};
