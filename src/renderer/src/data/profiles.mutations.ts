import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract';
import { call } from './api';
import { profilesQueries } from './profiles.queries';

/** After a connection change every cached answer belongs to another session: drop them all. */
const everything = (client: QueryClient) => client.resetQueries();
/** The Connect screen shows these failures beside the form or profile they belong to. */
const inline = { inlineErrors: true };

const theProfiles = (client: QueryClient) => client.invalidateQueries({ queryKey: profilesQueries.all() });

export const profilesMutations = {
  save: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (input: CallInput<'profiles.save'>) => call('profiles.save', input),
      meta: inline,
      onSuccess: () => theProfiles(client),
    }),
  remove: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (id: string) => call('profiles.delete', { id }),
      onSuccess: () => theProfiles(client),
    }),
  test: () =>
    mutationOptions({
      mutationFn: (input: CallInput<'profiles.test'>) => call('profiles.test', input),
      meta: inline,
    }),
  connect: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (input: CallInput<'connection.connect'>) => call('connection.connect', input),
      meta: inline,
      onSuccess: () => everything(client),
    }),
  disconnect: (client: QueryClient) =>
    mutationOptions({
      mutationFn: () => call('connection.disconnect', {}),
      onSuccess: () => everything(client),
    }),
  lock: (client: QueryClient) =>
    mutationOptions({
      mutationFn: () => call('connection.lock', {}),
      onSuccess: () => everything(client),
    }),
  setIdleLock: (client: QueryClient) =>
    mutationOptions({
      mutationFn: (input: CallInput<'connection.setIdleLock'>) => call('connection.setIdleLock', input),
      onSuccess: () => theProfiles(client),
    }),
};
