import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDatabaseUrl, type PgConnection } from './knex';
import type { ReplicaTarget } from './replica';

/** Which PostgreSQL the console talks to: a server named by settings, or the embedded one. */
export type DbTarget =
  { kind: 'server'; connection: PgConnection; replica?: ReplicaTarget } | { kind: 'embedded'; home: string };

export function cliHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.POINTKEEPER_HOME ?? join(homedir(), '.pointkeeper');
}

/** The bound of POINTKEEPER_REPLICA_MAX_LAG (seconds), 30 when unset. */
function maxLagOf(env: NodeJS.ProcessEnv): number {
  const text = env.POINTKEEPER_REPLICA_MAX_LAG?.trim();
  if (!text) return 30;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 86_400)
    throw new Error(
      `POINTKEEPER_REPLICA_MAX_LAG must be a number of seconds from 0 to 86400 (got "${text}").`,
    );
  return value;
}

/**
 * DATABASE_URL wins; with none, the embedded database in the data folder. With DATABASE_URL,
 * POINTKEEPER_REPLICA_URL may name its read-only standby: its host, port and database, reached
 * as DATABASE_URL's login (a standby has the primary's logins).
 */
export function resolveTarget(home: string, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const url = env.DATABASE_URL?.trim();
  if (!url) return { kind: 'embedded', home };
  const connection = parseDatabaseUrl(url);
  const replicaUrl = env.POINTKEEPER_REPLICA_URL?.trim();
  if (!replicaUrl) return { kind: 'server', connection };
  const { host, port, database } = parseDatabaseUrl(replicaUrl);
  return {
    kind: 'server',
    connection,
    replica: { connection: { ...connection, host, port, database }, maxLagSeconds: maxLagOf(env) },
  };
}

/**
 * `--replica` / `--no-replica` (POINTKEEPER_REPLICA=on|off): off reads everything from the
 * primary; on insists on a replica, so a report cannot land on the primary unnoticed.
 */
export function withReplicaChoice(target: DbTarget, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const choice = env.POINTKEEPER_REPLICA?.trim();
  if (target.kind !== 'server') {
    if (choice === 'on') throw new Error('--replica: the embedded database has no replica.');
    return target;
  }
  if (choice === 'off') return { kind: 'server', connection: target.connection };
  if (choice === 'on' && !target.replica)
    throw new Error(
      '--replica: this connection names no replica (save one in the profile, or set POINTKEEPER_REPLICA_URL with DATABASE_URL).',
    );
  return target;
}
