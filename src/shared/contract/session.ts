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

/** One console role of the connected database: its PostgreSQL group role and who holds it. */
export interface DatabaseRole {
  role: Role;
  /** The database's own group role (pk_<database>_<role>): grant it to a login to give access. */
  pgRole: string;
  /** Logins that hold it directly; higher roles include the lower ones. */
  members: string[];
}

export interface DatabaseRoles {
  database: string;
  /** The NOLOGIN role that owns the tables and the write functions; never granted to anyone. */
  owner: string;
  roles: DatabaseRole[];
}

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
