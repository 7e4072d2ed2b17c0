import { z } from 'zod';
import type { DatabaseRoles, WhoAmI } from '../roles';
import { call } from './define';

// Plain data the database layer also returns: defined beside the roles, re-exported here.
export type { DatabaseRole, DatabaseRoles, WhoAmI } from '../roles';

export const sessionCalls = {
  'session.whoami': call<WhoAmI>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Who this console is connected as: server, database, login and role',
  }),
  'session.roles': call<DatabaseRoles>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "The connected database's Pointkeeper roles and the logins that hold each",
  }),
};
