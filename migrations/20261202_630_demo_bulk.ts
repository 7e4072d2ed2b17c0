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
 * Authorship is the login's, as for every write.
 *
 * Speed: per row, the foreign-key triggers and the lots trigger cost more than the insert itself
 * (ten million rows meant some forty million trigger calls). The caller — a superuser, the only
 * one who may — runs it with session_replication_role = replica, which skips them, and the
 * function does their work set-based instead: it checks every reference the keys would (users,
 * orders of the same user, rewards) in one anti-join each, and builds the lots and their uses as
 * the trigger's set-based paths do (credits open lots that expire by the policy in force; the
 * debits, all after the credits, take from them soonest-expiring first — the overlap of two
 * running sums). verify.ledger's lot check compares them with a rebuild from the log.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

export const SEAL = `
CREATE OR REPLACE FUNCTION pointkeeper_demo_seal() RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE taken integer; n_tx bigint; n_credits bigint; n_redemptions bigint;
BEGIN
  IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false) THEN
    RAISE EXCEPTION 'Demo data is written by a superuser only; % is not one.', session_user USING ERRCODE = 'PK403';
  END IF;
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'pointkeeper_demo_seal builds lots itself: call it with session_replication_role = replica.'
      USING ERRCODE = 'PK422';
  END IF;
  -- What the foreign keys would check, row by row, checked once per statement.
  SELECT d.id INTO taken FROM pg_temp.demo_tx d
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id)
     OR (d.order_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = d.order_id AND o.user_id = d.user_id))
     OR (d.reward_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM points_rewards r WHERE r.id = d.reward_id))
     OR (d.type = 'redeemed') IS DISTINCT FROM (d.reward_id IS NOT NULL)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Staged transaction % names a user, order or reward that does not exist; nothing was written.', taken
      USING ERRCODE = 'PK422';
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

  -- Lots: one per credit, expiring by the policy in force when it was made; each user's lots in
  -- spending order (soonest expiry first, never last, then age) with their running sum.
  CREATE TEMP TABLE demo_lots ON COMMIT DROP AS
  SELECT l.*, sum(l.points::bigint) OVER (PARTITION BY l.user_id ORDER BY l.expires_at ASC NULLS LAST, l.id) AS hi
  FROM (SELECT s.id, s.user_id, s.type, s.points, s.created_at, s.created_at + p.expires_after AS expires_at
        FROM demo_sealed s
        LEFT JOIN LATERAL (SELECT x.expires_after FROM points_expiry_policies x
                           WHERE x.credit_type = s.type AND x.effective_from <= s.created_at
                           ORDER BY x.effective_from DESC LIMIT 1) p ON true
        WHERE s.points > 0) l;
  -- Debits in id order against the lots in spending order; what no lot holds is unfunded (NULL).
  CREATE TEMP TABLE demo_takes ON COMMIT DROP AS
  WITH d AS (SELECT s.id, s.user_id, -s.points::bigint AS amount,
                    sum(-s.points::bigint) OVER (PARTITION BY s.user_id ORDER BY s.id) AS hi
             FROM demo_sealed s WHERE s.points < 0)
  SELECT d.id AS transaction_id, l.id AS lot_id, d.user_id,
         (least(d.hi, l.hi) - greatest(d.hi - d.amount, l.hi - l.points))::integer AS points
  FROM d JOIN demo_lots l ON l.user_id = d.user_id AND l.hi - l.points < d.hi AND d.hi - d.amount < l.hi
  UNION ALL
  SELECT d.id, NULL, d.user_id, (d.hi - greatest(d.hi - d.amount, coalesce(t.held, 0)))::integer
  FROM d LEFT JOIN (SELECT user_id, max(hi) AS held FROM demo_lots GROUP BY user_id) t ON t.user_id = d.user_id
  WHERE d.hi > coalesce(t.held, 0);
  INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
  SELECT l.id, l.user_id, 'credit', l.type, l.points, l.points - coalesce(t.taken, 0), l.expires_at, l.created_at
  FROM demo_lots l
  LEFT JOIN (SELECT lot_id, sum(points)::integer AS taken FROM demo_takes WHERE lot_id IS NOT NULL GROUP BY lot_id) t
    ON t.lot_id = l.id
  ORDER BY l.id;
  INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
  SELECT transaction_id, lot_id, user_id, points FROM demo_takes ORDER BY transaction_id, lot_id;
  DROP TABLE demo_sealed, demo_lots, demo_takes;

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
