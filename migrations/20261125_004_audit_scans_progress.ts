import type { Knex } from 'knex';

/**
 * A running scan says how far it is and on which backend, so that any console (the screen
 * polling, another process) can show its progress and cancel it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_scans', (t) => {
    t.integer('users_total');
    t.integer('backend_pid');
    t.boolean('cancel_requested').notNullable().defaultTo(false);
  });
  await knex.raw(
    'GRANT UPDATE (users_total, backend_pid, cancel_requested) ON audit_scans TO pointkeeper_auditor',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'REVOKE UPDATE (users_total, backend_pid, cancel_requested) ON audit_scans FROM pointkeeper_auditor',
  );
  await knex.schema.alterTable('audit_scans', (t) => {
    t.dropColumns('users_total', 'backend_pid', 'cancel_requested');
  });
}
