import { z } from 'zod';
import type { Role } from '../roles';
import { call } from './define';

export interface WhoAmI {
  /** host:port as the console connected to it. */
  server: string;
  database: string;
  login: string;
  /** The console role the login holds through its Postgres group role; null when it holds none. */
  role: Role | null;
  superuser: boolean;
  serverVersion: string;
  embedded: boolean;
}

export const sessionCalls = {
  'session.whoami': call<WhoAmI>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Who this console is connected as: server, database, login and role',
  }),
};
