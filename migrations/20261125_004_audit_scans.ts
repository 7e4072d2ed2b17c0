import type { Knex } from 'knex';

const AUDITOR = 'pointkeeper_auditor';

/**
 * A scan's results are kept so that a million users' discrepancies can be paged, sorted,
 * filtered and exported without scanning again. Auditors may write these report records.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_scans', (t) => {
    t.increments('id');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.text('started_by').notNullable().defaultTo(knex.raw('current_user'));
    t.text('status').notNullable().defaultTo('running');
    t.boolean('verify_chain').notNullable();
    t.integer('users_scanned').notNullable().defaultTo(0);
    t.bigInteger('transactions_scanned').notNullable().defaultTo(0);
    t.text('error');
    t.check(`status IN ('running', 'done', 'cancelled', 'failed')`, [], 'audit_scans_status');
  });
  await knex.schema.createTable('audit_scan_results', (t) => {
    t.bigIncrements('id');
    t.integer('scan_id').notNullable().references('id').inTable('audit_scans').onDelete('CASCADE');
    t.integer('user_id').notNullable();
    t.text('kind').notNullable();
    t.bigInteger('stored');
    t.bigInteger('expected');
    t.bigInteger('difference');
    /** |difference|, the points at stake; what the table sorts by first. */
    t.bigInteger('stake').notNullable().defaultTo(0);
    t.bigInteger('log_balance').notNullable().defaultTo(0);
    t.integer('transaction_id');
    t.integer('previous_id');
    t.integer('redemption_id');
    t.text('detail');
  });
  await knex.raw(
    'CREATE INDEX audit_scan_results_stake_idx ON audit_scan_results (scan_id, stake DESC, id DESC)',
  );
  await knex.raw('CREATE INDEX audit_scan_results_user_idx ON audit_scan_results (scan_id, user_id, id)');
  await knex.raw(
    'CREATE INDEX audit_scan_results_kind_idx ON audit_scan_results (scan_id, kind, stake DESC, id DESC)',
  );

  await knex.raw(`GRANT SELECT, INSERT ON audit_scans, audit_scan_results TO ${AUDITOR}`);
  await knex.raw(
    `GRANT UPDATE (finished_at, status, users_scanned, transactions_scanned, error) ON audit_scans TO ${AUDITOR}`,
  );
  await knex.raw(`GRANT USAGE ON SEQUENCE audit_scans_id_seq, audit_scan_results_id_seq TO ${AUDITOR}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_scan_results');
  await knex.schema.dropTableIfExists('audit_scans');
}
