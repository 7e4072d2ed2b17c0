import type { Knex } from 'knex';
import { MIGRATIONS } from '../../../migrations/index';
import { applyPrivileges } from '../../../migrations/privileges';

/** Knex cannot find migration files inside a bundle, so it gets the static list instead. */
const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(MIGRATIONS.map(([name]) => name)),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) return Promise.reject(new Error(`Unknown migration ${name}`));
    return Promise.resolve(found[1]);
  },
};

const config: Knex.MigratorConfig = { migrationSource };

export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(config)) as [unknown, string[]];
  return pending;
}

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(config)) as [number, string[]];
  // Idempotent: also what gives a database copied from a template roles of its own.
  await applyPrivileges(knex);
  return applied;
}

export async function rollbackLast(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback(config)) as [number, string[]];
  return undone;
}

/** The newest migration this build knows: what a backup records as its schema version. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)![0];
