import type { Knex } from 'knex';

/** Credit types an earn may write; each is 1..10,000 points. */
const CREDIT_TYPES = ['earned', 'bonus', 'signup', 'first_order'];
const ALL_TYPES = [...CREDIT_TYPES, 'redeemed', 'adjustment'];
const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.text('email').notNullable();
    t.text('name').notNullable();
    // Legacy copy of the balance, kept in sync with user_points (the spec's "rewards column").
    t.integer('rewards').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('rewards >= 0', [], 'users_rewards_non_negative');
  });
  // Support staff search by email or name prefix, case-insensitively, on a million users.
  await knex.raw('CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))');
  await knex.raw('CREATE INDEX users_email_prefix_idx ON users (lower(email) text_pattern_ops)');
  await knex.raw('CREATE INDEX users_name_prefix_idx ON users (lower(name) text_pattern_ops, id)');

  await knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users');
    t.decimal('amount', 12, 2).notNullable();
    t.text('status').notNullable().defaultTo('completed');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('amount >= 0', [], 'orders_amount_non_negative');
    t.index(['user_id']);
  });

  await knex.schema.createTable('points_rewards', (t) => {
    t.increments('id');
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.integer('cost').notNullable();
    t.integer('validity_days').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('cost BETWEEN 1 AND 10000', [], 'points_rewards_cost_range');
    t.check('validity_days > 0', [], 'points_rewards_validity_positive');
  });

  await knex.schema.createTable('user_points', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().unique().references('id').inTable('users');
    t.integer('points').notNullable().defaultTo(0);
    t.integer('total_earned').notNullable().defaultTo(0);
    t.integer('total_redeemed').notNullable().defaultTo(0);
    t.timestamp('last_earned_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('points >= 0 AND total_earned >= 0 AND total_redeemed >= 0', [], 'user_points_non_negative');
  });

  await knex.schema.createTable('points_transactions', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users');
    t.integer('order_id').references('id').inTable('orders');
    t.text('type').notNullable();
    // Signed: credits positive, debits negative, so a balance is SUM(points).
    t.integer('points').notNullable();
    t.text('description').notNullable();
    t.decimal('order_amount', 12, 2);
    t.text('idempotency_key').unique();
    t.text('created_by').notNullable().defaultTo(knex.raw('current_user'));
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`type IN (${list(ALL_TYPES)})`, [], 'points_transactions_type_known');
    t.check(
      `(type IN (${list(CREDIT_TYPES)}) AND points BETWEEN 1 AND 10000)
       OR (type = 'redeemed' AND points BETWEEN -10000 AND -1)
       OR (type = 'adjustment' AND points <> 0)`,
      [],
      'points_transactions_sign_and_range',
    );
    t.check('order_amount IS NULL OR order_amount >= 0', [], 'points_transactions_amount');
  });
  // A user's history, newest first, paged by keyset.
  await knex.raw(
    'CREATE INDEX points_transactions_user_history_idx ON points_transactions (user_id, created_at DESC, id DESC)',
  );

  await knex.schema.createTable('user_points_redemptions', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users');
    t.integer('points_reward_id').notNullable().references('id').inTable('points_rewards');
    t.integer('order_id').references('id').inTable('orders');
    t.integer('transaction_id').unique().references('id').inTable('points_transactions');
    t.integer('points_spent').notNullable();
    t.boolean('is_used').notNullable().defaultTo(false);
    t.timestamp('used_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('points_spent BETWEEN 1 AND 10000', [], 'redemptions_points_range');
    t.check('(is_used) = (used_at IS NOT NULL)', [], 'redemptions_used_at_matches');
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('operations_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable().defaultTo(knex.raw('current_user'));
    t.text('action').notNullable();
    t.jsonb('input').notNullable();
    t.text('outcome').notNullable();
    t.text('error_code');
    t.jsonb('result');
    t.check(`outcome IN ('ok', 'error')`, [], 'operations_log_outcome');
    t.index(['at']);
    t.index(['action', 'at']);
  });

  // The log and the operations log are append-only: corrections are new rows, never edits.
  await knex.raw(`
    CREATE FUNCTION pointkeeper_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$`);
  for (const table of ['points_transactions', 'operations_log']) {
    await knex.raw(
      `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
       FOR EACH ROW EXECUTE FUNCTION pointkeeper_refuse_change()`,
    );
    await knex.raw(
      `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
       FOR EACH STATEMENT EXECUTE FUNCTION pointkeeper_refuse_change()`,
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'operations_log',
    'user_points_redemptions',
    'points_transactions',
    'user_points',
    'points_rewards',
    'orders',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_refuse_change()');
}
