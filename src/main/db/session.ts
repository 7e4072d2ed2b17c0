import type { Knex } from 'knex';
import type { WhoAmI } from '../../shared/contract';
import { PG_GROUP_ROLE, ROLES, type Role } from '../../shared/roles';
import { AppError } from '../errors';
import { startEmbedded, type EmbeddedServer } from './embedded';
import { createKnex, type PgConnection } from './knex';
import { migrateLatest, pendingMigrations } from './migrate';
import type { DbTarget } from './target';
import { isConnectionError, unavailable } from './unavailable';

/** One open connection to the ledger's database, as one login. */
export interface Session {
  knex: Knex;
  connection: PgConnection;
  whoami: WhoAmI;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations when the login may (the embedded database always may). */
  migrate?: boolean;
  /** False for the migration commands themselves, which must open a database mid-migration. */
  requireSchema?: boolean;
  log?: (line: string) => void;
  /** Connections in the pool (default 10): load tests size it to their clients. */
  poolMax?: number;
}

async function readRole(knex: Knex): Promise<{ role: Role | null; superuser: boolean }> {
  const row = (await knex
    .select(
      knex.raw('(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser'),
      ...ROLES.map((r) =>
        knex.raw(
          `COALESCE((SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = ?), false) AS ??`,
          [PG_GROUP_ROLE[r], r],
        ),
      ),
    )
    .first()) as Record<string, boolean>;
  const superuser = row.superuser === true;
  // The strongest role held wins; a superuser owns the database and is treated as admin.
  const held = [...ROLES].reverse().find((r) => row[r] === true) ?? null;
  return { role: superuser ? 'admin' : held, superuser };
}

export async function readWhoAmI(knex: Knex, connection: PgConnection, embedded: boolean): Promise<WhoAmI> {
  const info = (await knex
    .select(
      knex.raw('current_user AS login'),
      knex.raw('current_database() AS database'),
      knex.raw(`current_setting('server_version') AS version`),
    )
    .first()) as { login: string; database: string; version: string };
  const { role, superuser } = await readRole(knex);
  return {
    server: `${connection.host}:${connection.port}`,
    database: info.database,
    login: info.login,
    role,
    superuser,
    serverVersion: info.version,
    embedded,
  };
}

async function prepareSchema(knex: Knex, whoami: WhoAmI, migrate: boolean, log: (l: string) => void) {
  const pending = await pendingMigrations(knex);
  if (pending.length === 0) return;
  if (!migrate) {
    throw new AppError(
      'DB_UNAVAILABLE',
      `The database ${whoami.database} on ${whoami.server} is missing ${pending.length} migration(s): run "pointkeeper db migrate" as its owner.`,
    );
  }
  log(`Applying ${pending.length} migration(s) to ${whoami.database}`);
  await migrateLatest(knex);
}

export async function openSession(target: DbTarget, options: OpenOptions = {}): Promise<Session> {
  const log = options.log ?? (() => {});
  let embedded: EmbeddedServer | null = null;
  let connection: PgConnection;
  if (target.kind === 'embedded') {
    embedded = await startEmbedded(target.home, log);
    connection = embedded.connection;
  } else {
    connection = target.connection;
  }
  const knex = createKnex(connection, options.poolMax);
  const close = async () => {
    await knex.destroy();
    await embedded?.release();
  };
  try {
    const whoami = await readWhoAmI(knex, connection, embedded !== null);
    if (options.requireSchema !== false)
      await prepareSchema(knex, whoami, options.migrate ?? embedded !== null, log);
    return { knex, connection, whoami, close };
  } catch (error) {
    await close();
    if (isConnectionError(error)) throw unavailable(connection.host, connection.port, error);
    if (error instanceof AppError) throw error;
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '28000') {
      throw new AppError(
        'DB_UNAVAILABLE',
        `PostgreSQL at ${connection.host}:${connection.port} refused the login ${connection.user}: wrong password or no access.`,
      );
    }
    if (code === '3D000') {
      throw new AppError(
        'DB_UNAVAILABLE',
        `PostgreSQL at ${connection.host}:${connection.port} has no database named ${connection.database}.`,
      );
    }
    throw error;
  }
}
