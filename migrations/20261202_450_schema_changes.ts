import type { Knex } from 'knex';

/**
 * Schema changes are operations like any other: who applied or rolled back which migrations, and
 * when, goes into the operations log — written by src/main/db/migrate.ts through the owner's
 * internal log helper, whichever door ran the migration (the desktop's connect, `pointkeeper db
 * migrate`, a bench). These names are recorded actions, so no staff login can log one by hand
 * through pointkeeper_log_operation to cover for, or invent, a schema change.
 */
const ACTIONS = ['schema.migrate', 'schema.rollback'];

export async function up(knex: Knex): Promise<void> {
  await knex('pointkeeper_recorded_actions')
    .insert(ACTIONS.map((action) => ({ action })))
    .onConflict('action')
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('pointkeeper_recorded_actions').whereIn('action', ACTIONS).delete();
}
