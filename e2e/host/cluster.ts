import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../../src/main/db/embedded';
import { createKnex, parseDatabaseUrl, type PgConnection } from '../../src/main/db/knex';

/** A PostgreSQL the host may create databases on, and how to let it go. */
export interface Cluster {
  admin: PgConnection;
  close(): Promise<void>;
}

/**
 * TEST_DATABASE_URL (or DATABASE_URL) when given, so CI can point the e2e run at any server;
 * otherwise an embedded server in a data folder of this host's own, removed on close.
 */
export async function openCluster(env: NodeJS.ProcessEnv = process.env): Promise<Cluster> {
  const url = env.TEST_DATABASE_URL?.trim() || env.DATABASE_URL?.trim();
  if (url) return { admin: parseDatabaseUrl(url), close: () => Promise.resolve() };
  const home = await mkdtemp(join(tmpdir(), 'pointkeeper-e2e-'));
  await chmod(home, 0o755); // the postgres OS user must be able to enter it when we are root
  try {
    const server = await startEmbedded(home);
    return {
      admin: server.connection,
      close: async () => {
        await server.stop();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

/** Runs one statement on the cluster's maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
export async function onMaintenanceDb(admin: PgConnection, sql: string): Promise<void> {
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  try {
    await root.raw(sql);
  } finally {
    await root.destroy();
  }
}
