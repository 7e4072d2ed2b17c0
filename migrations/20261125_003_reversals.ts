import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('points_transactions', (t) => {
    // A reversal is an adjustment row that names the row it cancels; unique: at most one reversal each.
    t.integer('reverses_id').unique().references('id').inTable('points_transactions');
    t.check("reverses_id IS NULL OR type = 'adjustment'", [], 'points_transactions_reversal_is_adjustment');
  });
  await knex.schema.alterTable('user_points_redemptions', (t) => {
    // Reversing a redemption's transaction cancels the redemption; a used one cannot be cancelled.
    t.timestamp('cancelled_at', { useTz: true });
    t.check('NOT (is_used AND cancelled_at IS NOT NULL)', [], 'redemptions_used_or_cancelled');
  });
  await knex.raw('GRANT UPDATE (cancelled_at) ON user_points_redemptions TO pointkeeper_operator');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('REVOKE UPDATE (cancelled_at) ON user_points_redemptions FROM pointkeeper_operator');
  await knex.schema.alterTable('user_points_redemptions', (t) => {
    t.dropChecks(['redemptions_used_or_cancelled']);
    t.dropColumn('cancelled_at');
  });
  await knex.schema.alterTable('points_transactions', (t) => {
    t.dropChecks(['points_transactions_reversal_is_adjustment']);
    t.dropColumn('reverses_id');
  });
}
