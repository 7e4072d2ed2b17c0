import { getUser, searchUsers } from '../../ledger/users';
import type { DomainHandlers } from '../types';

export const usersHandlers: DomainHandlers<'users'> = {
  'users.search': ({ db }, input) => searchUsers(db, input),
  'users.get': ({ db }, input) => getUser(db, input.userId),
};
