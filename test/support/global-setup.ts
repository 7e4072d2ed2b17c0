import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from '../../src/main/db/embedded';
import { createKnex, parseDatabaseUrl, type PgConnection } from '../../src/main/db/knex';
import { migrateLatest } from '../../src/main/db/migrate';
import { dropRolesOf } from '../../migrations/privileges';
import { TEMPLATE_DATABASE } from './names';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgConnection;
  }
}

async function createTemplate(admin: PgConnection): Promise<void> {
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  await root.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await root.raw(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await root.destroy();
  const template = createKnex({ ...admin, database: TEMPLATE_DATABASE }, 1);
  try {
    await migrateLatest(template);
  } finally {
    await template.destroy();
  }
}

/**
 * One PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL) and one migrated template
 * database; every test file clones the template into a database of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedServer | null = null;
  let home: string | null = null;
  let admin: PgConnection;
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    admin = parseDatabaseUrl(url);
  } else {
    home = await mkdtemp(join(tmpdir(), 'pointkeeper-test-'));
    await chmod(home, 0o755); // the postgres OS user must be able to enter it when we are root
    server = await startEmbedded(home);
    admin = server.connection;
  }
  try {
    await createTemplate(admin);
  } catch (error) {
    await server?.stop(); // a failed setup must not leave a server behind
    throw error;
  }
  project.provide('pg', admin);

  return async () => {
    const cleanup = createKnex({ ...admin, database: 'postgres' }, 1);
    await cleanup.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await dropRolesOf(cleanup, TEMPLATE_DATABASE);
    await cleanup.destroy();
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  };
}
