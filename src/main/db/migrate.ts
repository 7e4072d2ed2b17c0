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

/** Exported for tests that step the schema one migration at a time. */
export const migratorConfig: Knex.MigratorConfig = { migrationSource };
const config = migratorConfig;

export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(config)) as [unknown, string[]];
  return pending;
}

/**
 * Who changed the schema goes into the operations log, written here so that every door that
 * migrates (connect, the CLI, a bench) records it. Through the owner's internal helper, which
 * only a superuser or the owner may call: the action names are recorded actions (migration 450),
 * so a staff login cannot log one itself. A database older than the helper records nothing.
 */
async function recordSchemaChange(knex: Knex, action: string, migrations: string[], batch: number) {
  if (migrations.length === 0) return;
  const known = (await knex.raw(
    `SELECT to_regprocedure('pointkeeper__log(text, jsonb, jsonb)') IS NOT NULL AS ok`,
  )) as {
    rows: Array<{ ok: boolean }>;
  };
  if (!known.rows[0]?.ok) return;
  await knex.raw('SELECT pointkeeper__log(?, ?::jsonb, ?::jsonb)', [
    action,
    JSON.stringify({ migrations }),
    JSON.stringify({ batch, schemaVersion: SCHEMA_VERSION }),
  ]);
}

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [batch, applied] = (await knex.migrate.latest(config)) as [number, string[]];
  // Idempotent: also what gives a database copied from a template roles of its own.
  await applyPrivileges(knex);
  await recordSchemaChange(knex, 'schema.migrate', applied, batch);
  return applied;
}

export async function rollbackLast(knex: Knex): Promise<string[]> {
  const [batch, undone] = (await knex.migrate.rollback(config)) as [number, string[]];
  await recordSchemaChange(knex, 'schema.rollback', undone, batch);
  return undone;
}

/** The newest migration this build knows: what a backup records as its schema version. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)![0];
