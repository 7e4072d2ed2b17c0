import type { Knex } from 'knex';
import { groupRoles, ROLES, type Role, type WhoAmI } from '../../shared/roles';
import { AppError } from '../errors';
import { startEmbedded, type EmbeddedServer } from './embedded';
import { createKnex, type PgConnection } from './knex';
import { migrateLatest, pendingMigrations } from './migrate';
import { openReplica, type Replica } from './replica';
import type { DbTarget } from './target';
import { isConnectionError, unavailable } from './unavailable';

/** One open connection to the ledger's database, as one login. */
export interface Session {
  knex: Knex;
  connection: PgConnection;
  whoami: WhoAmI;
  /** The profile's read-only standby, checked to be this primary's; reports read there. */
  replica: Replica | null;
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
  /** When the last user of the embedded server leaves: start a keeper instead of stopping it. */
  handOff?: () => Promise<boolean>;
}

async function readRole(knex: Knex, database: string): Promise<{ role: Role | null; superuser: boolean }> {
  const names = groupRoles(database);
  const row = (await knex
    .select(
      knex.raw('(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser'),
      ...ROLES.map((r) =>
        knex.raw(
          `COALESCE((SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = ?), false) AS ??`,
          [names[r], r],
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
  const { role, superuser } = await readRole(knex, info.database);
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

/** The one sentence a login without a Pointkeeper role reads, naming the grant a DBA must make. */
export function noRoleMessage(login: string, database: string): string {
  const r = groupRoles(database);
  return `The login ${login} holds no Pointkeeper role in the database ${database}: a DBA must grant it one, for example "GRANT ${r.operator} TO ${login};" (or ${r.auditor} to read, ${r.admin} to administer).`;
}

async function prepareSchema(knex: Knex, whoami: WhoAmI, migrate: boolean, log: (l: string) => void) {
  // knex would try to create its bookkeeping table in a database never migrated: say so instead.
  const known = (await knex.raw(`SELECT to_regclass('public.knex_migrations') IS NOT NULL AS migrated`)) as {
    rows: Array<{ migrated: boolean }>;
  };
  if (!known.rows[0]!.migrated && !migrate) {
    throw new AppError(
      whoami.role === null && !whoami.superuser ? 'FORBIDDEN' : 'DB_UNAVAILABLE',
      `The database ${whoami.database} on ${whoami.server} is not a Pointkeeper database yet: its owner must run "pointkeeper db migrate" first.`,
    );
  }
  // A login of the cluster-wide roles of earlier versions may read the list; anyone else may not.
  const pending = await pendingMigrations(knex).catch((error: unknown) => {
    if (whoami.role === null && (error as { code?: string }).code === '42501') return null;
    throw error;
  });
  if (pending === null || (pending.length === 0 && whoami.role === null)) {
    throw new AppError('FORBIDDEN', noRoleMessage(whoami.login, whoami.database));
  }
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
  let replica: Replica | null = null;
  const close = async () => {
    await replica?.close();
    await knex.destroy();
    await embedded?.release(options.handOff);
  };
  try {
    const whoami = await readWhoAmI(knex, connection, embedded !== null);
    if (options.requireSchema !== false)
      await prepareSchema(knex, whoami, options.migrate ?? embedded !== null, log);
    if (target.kind === 'server' && target.replica)
      replica = await openReplica(knex, whoami.server, target.replica);
    return { knex, connection, whoami, replica, close };
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
    if (code === '42501') {
      // CONNECT is granted to the database's own Pointkeeper roles only.
      throw new AppError('FORBIDDEN', noRoleMessage(connection.user, connection.database));
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
