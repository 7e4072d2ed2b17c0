import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDatabaseUrl, type PgConnection } from './knex';

/** Which PostgreSQL the console talks to: a server named by settings, or the embedded one. */
export type DbTarget = { kind: 'server'; connection: PgConnection } | { kind: 'embedded'; home: string };

export function cliHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.POINTKEEPER_HOME ?? join(homedir(), '.pointkeeper');
}

/** DATABASE_URL wins; with none, the embedded database in the data folder. */
export function resolveTarget(home: string, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const url = env.DATABASE_URL?.trim();
  if (url) return { kind: 'server', connection: parseDatabaseUrl(url) };
  return { kind: 'embedded', home };
}
