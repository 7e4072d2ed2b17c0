import { listDatabaseRoles } from '../../db/roles';
import type { DomainHandlers } from '../types';

export const sessionHandlers: DomainHandlers<'session'> = {
  'session.whoami': ({ session }) => Promise.resolve(session.whoami),
  'session.roles': ({ db }) => listDatabaseRoles(db),
};
