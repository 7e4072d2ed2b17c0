import type { Knex } from 'knex';
import { applyPrivileges } from './privileges';

/**
 * The operations-log actions the database records itself, as rows instead of a list inside
 * pointkeeper_log_operation: each feature that writes its own entries (approvals, grants,
 * expiry…) adds its names here, and a staff login still cannot log a success of one by hand.
 * Before this, every such feature had to copy the whole function, and the grants' and expiry's
 * entries could be forged.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

const RECORDED = [
  'points.earn',
  'points.redeem',
  'points.reverse',
  'backup.restore.write',
  'recovery.chunk',
  'recovery.resolve',
  'approvals.request',
  'approvals.approve',
  'approvals.deny',
  'approvals.cancel',
  'approvals.apply',
  'policies.set',
  'grants.stage',
  'grants.start',
  'grants.chunk',
  'grants.finish',
  'expiry.policy.set',
  'points.expire.chunk',
  'expiry.lots.rebuild',
];

const LOG_OPERATION = `
CREATE OR REPLACE FUNCTION pointkeeper_log_operation(p_action text, p_input jsonb, p_outcome text, p_error_code text,
  p_result jsonb) RETURNS bigint LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE new_id bigint;
BEGIN
  IF p_action IS NULL OR length(p_action) NOT BETWEEN 1 AND 100 OR p_action ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'An operation''s action is 1 to 100 printable characters.' USING ERRCODE = 'PK422';
  END IF;
  IF p_outcome IS NULL OR p_outcome NOT IN ('ok', 'error') THEN
    RAISE EXCEPTION 'An operation''s outcome is ok or error.' USING ERRCODE = 'PK422';
  END IF;
  IF p_outcome = 'ok' AND EXISTS (SELECT 1 FROM pointkeeper_recorded_actions WHERE action = p_action) THEN
    RAISE EXCEPTION 'The database records a successful % itself; it cannot be logged by hand.', p_action
      USING ERRCODE = 'PK403';
  END IF;
  INSERT INTO operations_log (at, actor, action, input, outcome, error_code, result)
  VALUES (now(), session_user, p_action, coalesce(p_input, '{}'::jsonb), p_outcome, p_error_code, p_result)
  RETURNING id INTO new_id;
  RETURN new_id;
END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE pointkeeper_recorded_actions (action text PRIMARY KEY)`);
  await knex('pointkeeper_recorded_actions').insert(RECORDED.map((action) => ({ action })));
  await knex.raw(LOG_OPERATION);
  // Recovery apply and replace restore do not pass the approval gate yet: a policy for them would
  // promise a second pair of eyes that nothing enforces, so none can be switched on.
  await knex.raw(
    `ALTER TABLE approval_policies ADD CONSTRAINT approval_policies_enforced_kinds
       CHECK (NOT enabled OR kind NOT IN ('recovery.apply', 'restore.replace'))`,
  );
  await applyPrivileges(knex);
}

export async function down(): Promise<void> {
  throw new Error('Migration 20261202_400_recorded_actions cannot be rolled back: the log guard stays.');
}
