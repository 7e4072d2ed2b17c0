import { z } from 'zod';
import type { DatabaseRoles, WhoAmI } from '../roles';
import { call } from './define';

// Plain data the database layer also returns: defined beside the roles, re-exported here.
export type { DatabaseRole, DatabaseRoles, WhoAmI } from '../roles';

/** Where reads go when the profile names a replica: the person may choose the primary instead. */
export const READ_SOURCES = ['replica', 'primary'] as const;
export type ReadSourceName = (typeof READ_SOURCES)[number];

/** The reporting replica as the status bar shows it. */
export interface ReplicaStatus {
  /** `host:port` of the standby. */
  server: string;
  /** ok: reports read there; lagging: further behind than the bound, reports are refused. */
  state: 'ok' | 'lagging' | 'unreachable';
  /** Seconds since the last replayed commit while WAL waits to be replayed; 0 when caught up. */
  lagSeconds: number | null;
  lagBytes: number | null;
  replayPaused: boolean | null;
  maxLagSeconds: number;
  readsFrom: ReadSourceName;
  /** Why it is unreachable. */
  message?: string;
}

export interface ServersStatus {
  /** `host:port` of the primary, where every write goes. */
  primary: string;
  replica: ReplicaStatus | null;
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
  'session.servers': call<ServersStatus>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "Both servers of the connection: the primary, and the reporting replica's lag and state",
  }),
  'session.readFrom': call<ServersStatus>()({
    input: z.object({ source: z.enum(READ_SOURCES) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Read reports from the replica (the default) or, by choice, from the primary',
  }),
};
