import type { Knex } from 'knex';
import { applyPrivileges } from './privileges';

/**
 * Demo data at COPY speed (issue 20, item 3). The generator COPYs a chunk's log rows into its
 * session's pg_temp.demo_tx; this function seals them into the log with the keyed chain, computed
 * set-based (pointkeeper_hmac_chain as a window function, PARTITION BY user ORDER BY id), so the
 * key never leaves the database and the demo's code never reads it.
 *
 * It is a way into the log that skips the write API's rules (history in the past, any count of
 * rows per call), so it is fenced three times:
 * - EXECUTE is granted to no staff role (migrations/privileges.ts revokes PUBLIC): only the owner
 *   and superusers may call it;
 * - it refuses unless the login (session_user) is a superuser, should a grant ever be added;
 * - it reads only the caller's own staging table and writes only for users with no history at
 *   all (no log row, no balance row), so it can start chains but never extend or rewrite one.
 * Authorship is the login's, as for every write; the rows, their redemptions and their balance
 * rows are written in one call, credits before debits: each statement is one the lots trigger
 * applies set-based.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

const SEAL = `
CREATE OR REPLACE FUNCTION pointkeeper_demo_seal() RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE taken integer; n_tx bigint; n_credits bigint; n_redemptions bigint;
BEGIN
  IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false) THEN
    RAISE EXCEPTION 'Demo data is written by a superuser only; % is not one.', session_user USING ERRCODE = 'PK403';
  END IF;
  SELECT s.user_id INTO taken FROM (SELECT DISTINCT d.user_id FROM pg_temp.demo_tx d) s
  WHERE EXISTS (SELECT 1 FROM points_transactions p WHERE p.user_id = s.user_id)
     OR EXISTS (SELECT 1 FROM user_points up WHERE up.user_id = s.user_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'User % already has a history: demo data starts new users only; nothing was written.', taken
      USING ERRCODE = 'PK409';
  END IF;

  CREATE TEMP TABLE demo_sealed ON COMMIT DROP AS
  SELECT h.*, coalesce(lag(h.row_hash) OVER w, '\\x'::bytea) AS prev_hash
  FROM (
    SELECT d.id, d.user_id, d.type, d.points, d.description, d.order_id, d.order_amount, d.created_at,
           session_user::text AS created_by,
           pointkeeper_hmac_chain(NULL::bytea, pointkeeper_tx_content(d.id, d.user_id, d.type, d.points, d.description,
             d.order_id, d.order_amount, NULL, NULL, session_user::text, d.created_at), pointkeeper__key())
             OVER (PARTITION BY d.user_id ORDER BY d.id) AS row_hash
    FROM pg_temp.demo_tx d
  ) h
  WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id);

  INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount, created_by,
    created_at, prev_hash, row_hash)
  SELECT id, user_id, type, points, description, order_id, order_amount, created_by, created_at, prev_hash, row_hash
  FROM demo_sealed WHERE points > 0 ORDER BY id;
  GET DIAGNOSTICS n_credits = ROW_COUNT;
  INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount, created_by,
    created_at, prev_hash, row_hash)
  SELECT id, user_id, type, points, description, order_id, order_amount, created_by, created_at, prev_hash, row_hash
  FROM demo_sealed WHERE points <= 0 ORDER BY id;
  GET DIAGNOSTICS n_tx = ROW_COUNT;
  n_tx := n_tx + n_credits;
  DROP TABLE demo_sealed;

  INSERT INTO user_points_redemptions (user_id, points_reward_id, transaction_id, points_spent, is_used, used_at,
    expires_at, created_at)
  SELECT d.user_id, r.id, d.id, -d.points, d.is_used, CASE WHEN d.is_used THEN d.created_at + interval '1 hour' END,
         d.created_at + r.validity_days * interval '1 day', d.created_at
  FROM pg_temp.demo_tx d JOIN points_rewards r ON r.id = d.reward_id
  WHERE d.type = 'redeemed'
  ORDER BY d.id;
  GET DIAGNOSTICS n_redemptions = ROW_COUNT;

  -- The derived copy, as sync would build it: all of these users' rows are staged.
  INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at, created_at, updated_at)
  SELECT d.user_id, sum(d.points), coalesce(sum(d.points) FILTER (WHERE d.points > 0), 0),
         coalesce(-sum(d.points) FILTER (WHERE d.points < 0), 0), max(d.created_at) FILTER (WHERE d.points > 0),
         min(d.created_at), now()
  FROM pg_temp.demo_tx d GROUP BY d.user_id;
  RETURN jsonb_build_object('transactions', n_tx, 'redemptions', n_redemptions);
END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(SEAL);
  // Hands the function to the owner role and leaves EXECUTE with nobody else.
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_demo_seal()');
}
