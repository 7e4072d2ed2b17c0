import type { Knex } from 'knex';

const AUDITOR = 'pointkeeper_auditor';
const OPERATOR = 'pointkeeper_operator';
const ADMIN = 'pointkeeper_admin';
const TABLES = [
  'users',
  'orders',
  'points_rewards',
  'user_points',
  'points_transactions',
  'user_points_redemptions',
  'operations_log',
];

/**
 * Group roles are cluster-wide, so creating them must tolerate a cluster where another
 * database (or a concurrent migration) already made them.
 */
async function ensureRole(knex: Knex, role: string): Promise<void> {
  await knex.raw(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${role} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
}

export async function up(knex: Knex): Promise<void> {
  for (const role of [AUDITOR, OPERATOR, ADMIN]) await ensureRole(knex, role);
  // Each role includes the one below it: admin ⊃ operator ⊃ auditor.
  await knex.raw(`GRANT ${AUDITOR} TO ${OPERATOR}`);
  await knex.raw(`GRANT ${OPERATOR} TO ${ADMIN}`);

  await knex.raw(`GRANT USAGE ON SCHEMA public TO ${AUDITOR}`);
  // Auditors read everything and write nothing but their own operations_log records.
  await knex.raw(`GRANT SELECT ON ${TABLES.join(', ')} TO ${AUDITOR}`);
  await knex.raw(`GRANT INSERT ON operations_log TO ${AUDITOR}`);
  // Every login checks for pending migrations on connect; knex only sees tables it may read.
  await knex.raw(`GRANT SELECT ON knex_migrations, knex_migrations_lock TO ${AUDITOR}`);
  await knex.raw(`GRANT USAGE ON SEQUENCE operations_log_id_seq TO ${AUDITOR}`);

  // Operators (finance, support) earn and redeem: the log, the derived copies, redemptions.
  await knex.raw(`GRANT INSERT ON points_transactions, user_points, user_points_redemptions TO ${OPERATOR}`);
  await knex.raw(
    `GRANT UPDATE (points, total_earned, total_redeemed, last_earned_at, updated_at) ON user_points TO ${OPERATOR}`,
  );
  await knex.raw(`GRANT UPDATE (rewards, updated_at) ON users TO ${OPERATOR}`);
  await knex.raw(`GRANT UPDATE (is_used, used_at) ON user_points_redemptions TO ${OPERATOR}`);
  await knex.raw(
    `GRANT USAGE ON SEQUENCE points_transactions_id_seq, user_points_id_seq, user_points_redemptions_id_seq TO ${OPERATOR}`,
  );

  // Admins restore backups: they may create and replace the rows behind a balance.
  await knex.raw(`GRANT INSERT ON users, orders, points_rewards TO ${ADMIN}`);
  await knex.raw(
    `GRANT UPDATE ON users, orders, points_rewards, user_points, user_points_redemptions TO ${ADMIN}`,
  );
  await knex.raw(`GRANT DELETE ON user_points, user_points_redemptions TO ${ADMIN}`);
  await knex.raw(`GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${ADMIN}`);
}

export async function down(knex: Knex): Promise<void> {
  // The roles stay: they are cluster-wide and other databases may rely on them.
  for (const role of [AUDITOR, OPERATOR, ADMIN]) {
    await knex.raw(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    await knex.raw(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
    await knex.raw(`REVOKE USAGE ON SCHEMA public FROM ${role}`);
  }
}
