import type { Knex } from 'knex';

/**
 * One row per applied sync or recover. Chunks commit one at a time and update their run row in
 * the same transaction, so after a crash the row says exactly how far the run got; the
 * operations log (written when a call ends) would have nothing to say about a killed process.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recovery_runs', (t) => {
    t.uuid('id').primary();
    t.text('action').notNullable();
    t.jsonb('scope').notNullable();
    t.text('fingerprint').notNullable();
    t.text('actor').notNullable().defaultTo(knex.raw('current_user'));
    t.text('status').notNullable().defaultTo('running');
    t.integer('chunks_done').notNullable().defaultTo(0);
    t.integer('chunks_total').notNullable();
    t.integer('users_changed').notNullable().defaultTo(0);
    t.integer('rows_created').notNullable().defaultTo(0);
    t.integer('adjustments').notNullable().defaultTo(0);
    t.bigInteger('adjustment_points').notNullable().defaultTo(0);
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.check(`action IN ('sync', 'recover')`, [], 'recovery_runs_action');
    t.check(`status IN ('running', 'done', 'cancelled', 'conflict', 'failed')`, [], 'recovery_runs_status');
    t.check('chunks_done BETWEEN 0 AND chunks_total', [], 'recovery_runs_chunks');
    t.index(['started_at']);
  });
  await knex.raw('GRANT SELECT ON recovery_runs TO pointkeeper_auditor');
  await knex.raw('GRANT INSERT, UPDATE ON recovery_runs TO pointkeeper_admin');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('recovery_runs');
}
