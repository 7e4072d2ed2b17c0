import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { ReadSourceName } from '../../../shared/contract';
import { call } from './api';
import { sessionQueries } from './session.queries';

export const sessionMutations = {
  /** Reports from the replica (the default) or, by the person's choice, from the primary. */
  readFrom: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (source: ReadSourceName) => call('session.readFrom', { source }),
      onSuccess: (servers) => client.setQueryData(sessionQueries.servers().queryKey, servers),
    }),
};
