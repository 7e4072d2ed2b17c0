import type { Knex } from 'knex';
import { AppError } from '../errors';
import { createKnex, type PgConnection } from './knex';
import { isConnectionError, unavailable } from './unavailable';

/** A read-only standby named by a profile: same login and password as the primary. */
export interface ReplicaTarget {
  connection: PgConnection;
  /** Reports are refused while the standby is further behind than this. */
  maxLagSeconds: number;
}

export interface ReplicaLag {
  /** Seconds since the last commit the standby replayed, 0 when it has replayed everything. */
  seconds: number;
  /** WAL the primary has written and the standby has not replayed yet. */
  bytes: number;
  /** Replay paused on the standby (pg_wal_replay_pause()). */
  paused: boolean;
}

/** Where reads go when a replica is configured; the person may choose the primary instead. */
export type ReadSource = 'replica' | 'primary';

/**
 * Read-your-writes: the primary's WAL position after this session's writes. A write that names
 * users marks those users; one that does not (a grant, a restore, a scan) marks every read.
 */
export class Freshness {
  private readonly users = new Map<number, string>();
  private all: string | null = null;

  mark(lsn: string, userIds: readonly number[] | null): void {
    if (userIds === null) this.all = lsn;
    else for (const id of userIds) this.users.set(id, lsn);
  }

  /** The positions a read of these users (null: not of one user) must see, newest last. */
  needed(userIds: readonly number[] | null): string[] {
    const lsns = (userIds ?? []).map((id) => this.users.get(id)).filter((l): l is string => l !== undefined);
    if (this.all !== null) lsns.push(this.all);
    return lsns;
  }

  /** Drops the marks the standby has replayed past. */
  settle(replayed: (lsn: string) => boolean): void {
    for (const [id, lsn] of this.users) if (replayed(lsn)) this.users.delete(id);
    if (this.all !== null && replayed(this.all)) this.all = null;
  }
}

export interface Replica {
  knex: Knex;
  connection: PgConnection;
  /** `host:port`, as the status bar and messages name it. */
  server: string;
  maxLagSeconds: number;
  readsFrom: ReadSource;
  freshness: Freshness;
  lag(primary: Knex): Promise<ReplicaLag>;
  /** The standby's replay position, as text (`0/3000238`). */
  replayLsn(): Promise<string>;
  close(): Promise<void>;
}

const first = async <T>(knex: Knex, sql: string, bindings: Knex.RawBinding[] = []): Promise<T> =>
  ((await knex.raw(sql, bindings)) as { rows: T[] }).rows[0]!;

/** The primary's current WAL position: what a standby must replay to show what was written so far. */
export async function currentLsn(primary: Knex): Promise<string> {
  return (await first<{ lsn: string }>(primary, 'SELECT pg_current_wal_lsn()::text AS lsn')).lsn;
}

/** a ≥ b for two WAL positions `X/Y` (hexadecimal halves). */
export function lsnAtLeast(a: string, b: string): boolean {
  const value = (lsn: string) => {
    const [hi, lo] = lsn.split('/');
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
  };
  return value(a) >= value(b);
}

// system_identifier is int8: read as text, since a JS number would round it.
const IDENTITY = `SELECT pg_is_in_recovery() AS standby, (SELECT system_identifier::text FROM pg_control_system()) AS system`;

async function checkStandby(primary: Knex, replica: Knex, server: string, primaryServer: string) {
  const [p, r] = await Promise.all([
    first<{ standby: boolean; system: string }>(primary, IDENTITY),
    first<{ standby: boolean; system: string }>(replica, IDENTITY),
  ]);
  if (!r.standby)
    throw new AppError(
      'VALIDATION',
      `The replica ${server} is not a read-only standby (pg_is_in_recovery() is false): it would be a second, separate ledger. Name a streaming standby of ${primaryServer}, or remove the replica from the profile.`,
    );
  if (r.system !== p.system)
    throw new AppError(
      'VALIDATION',
      `The replica ${server} belongs to another cluster (system identifier ${r.system}; the primary ${primaryServer} has ${p.system}): it is not a standby of this primary.`,
    );
}

/**
 * Opens the standby a profile names and proves it is one of this primary's: in recovery, and of
 * the same cluster (pg_control_system's system_identifier). Anything else is refused, in words.
 */
export async function openReplica(
  primary: Knex,
  primaryServer: string,
  target: ReplicaTarget,
): Promise<Replica> {
  const { connection } = target;
  const server = `${connection.host}:${connection.port}`;
  const knex = createKnex(connection, 4);
  try {
    await checkStandby(primary, knex, server, primaryServer);
  } catch (error) {
    await knex.destroy();
    if (isConnectionError(error)) throw unavailable(connection.host, connection.port, error);
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '28000')
      throw new AppError(
        'DB_UNAVAILABLE',
        `The replica ${server} refused the login ${connection.user}: the standby takes the primary's logins and passwords, so check its pg_hba.conf.`,
      );
    throw error;
  }
  return {
    knex,
    connection,
    server,
    maxLagSeconds: target.maxLagSeconds,
    readsFrom: 'replica',
    freshness: new Freshness(),
    async lag(primaryKnex) {
      const lsn = await currentLsn(primaryKnex);
      const r = await first<{ bytes: number | null; since: number | null; paused: boolean }>(
        knex,
        `SELECT greatest(pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn()), 0)::float8 AS bytes,
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since,
                pg_is_wal_replay_paused() AS paused`,
        [lsn],
      );
      const bytes = r.bytes ?? 0;
      // Nothing to replay means no lag, however long ago the last commit was.
      return { bytes, seconds: bytes > 0 ? Math.max(0, r.since ?? 0) : 0, paused: r.paused };
    },
    async replayLsn() {
      return (await first<{ lsn: string }>(knex, 'SELECT pg_last_wal_replay_lsn()::text AS lsn')).lsn;
    },
    close: () => knex.destroy(),
  };
}
