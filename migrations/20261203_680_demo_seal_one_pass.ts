import type { Knex } from 'knex';
import { SEAL as SEAL_630 } from './20261202_630_demo_bulk';
import { keyOnce } from './20261203_670_key_read_once';
import { applyPrivileges } from './privileges';

/**
 * The demo's seal with less to write per row (issue 20, demo < 300 s). Migration 630's seal
 * first wrote every staged row with its hashes into a temporary table, then read it three times:
 * for the log's credits, its debits, and the lots. Now:
 * - the log is written in one INSERT straight from the chain's window (nothing needed the credits
 *   written before the debits: the caller switches the lots trigger off, and the seal builds the
 *   lots itself);
 * - the lots and their uses read the staged rows, which hold every column they need (they never
 *   needed the hashes);
 * - the users the staged rows name are checked once each, not once per row: inside the OR of
 *   the other references, the planner hashed the whole users table for every chunk (0.9 s a chunk
 *   with a million users, growing with every chunk);
 * - each credit's expiry policy comes from one join of the policies' time ranges, not a lookup
 *   per credit;
 * - the function sorts in 64 MB instead of the stock 4 MB: its window and joins sorted 100,000
 *   rows a chunk in external merges on disk (two seals run at once, so 128 MB at most).
 * Same checks, same rows, same hashes (test/demo/demo.test.ts and the chain tests).
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

export const SEAL = `
CREATE OR REPLACE FUNCTION pointkeeper_demo_seal() RETURNS jsonb LANGUAGE plpgsql ${DEFINER}
  SET work_mem = '64MB' AS $$
DECLARE taken integer; n_tx bigint; n_redemptions bigint;
BEGIN
  IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false) THEN
    RAISE EXCEPTION 'Demo data is written by a superuser only; % is not one.', session_user USING ERRCODE = 'PK403';
  END IF;
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'pointkeeper_demo_seal builds lots itself: call it with session_replication_role = replica.'
      USING ERRCODE = 'PK422';
  END IF;
  -- What the foreign keys would check, row by row, checked once per statement. Users once per
  -- user: inside the OR below, the planner hashed the whole users table for every chunk.
  SELECT s.user_id INTO taken FROM (SELECT DISTINCT d.user_id FROM pg_temp.demo_tx d) s
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Staged transactions name user %, who does not exist; nothing was written.', taken
      USING ERRCODE = 'PK422';
  END IF;
  SELECT d.id INTO taken FROM pg_temp.demo_tx d
  WHERE (d.order_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = d.order_id AND o.user_id = d.user_id))
     OR (d.reward_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM points_rewards r WHERE r.id = d.reward_id))
     OR (d.type = 'redeemed') IS DISTINCT FROM (d.reward_id IS NOT NULL)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Staged transaction % names an order or reward that does not exist, or not its own; nothing was written.', taken
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

  -- The log in one statement, straight from the window: each user's chain in id order. The
  -- generator gives ids user after user, so this order is the log's id order too.
  INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount, created_by,
    created_at, prev_hash, row_hash)
  SELECT h.id, h.user_id, h.type, h.points, h.description, h.order_id, h.order_amount, h.created_by, h.created_at,
         coalesce(lag(h.row_hash) OVER w, '\\x'::bytea), h.row_hash
  FROM (
    SELECT d.id, d.user_id, d.type, d.points, d.description, d.order_id, d.order_amount, d.created_at,
           session_user::text AS created_by,
           pointkeeper_hmac_chain(NULL::bytea, pointkeeper_tx_content(d.id, d.user_id, d.type, d.points, d.description,
             d.order_id, d.order_amount, NULL, NULL, session_user::text, d.created_at),
             (SELECT k.chain_key FROM public.pointkeeper_keys k WHERE k.id = 1))
             OVER (PARTITION BY d.user_id ORDER BY d.id) AS row_hash
    FROM pg_temp.demo_tx d
  ) h
  WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id);
  GET DIAGNOSTICS n_tx = ROW_COUNT;

  -- Lots: one per credit, expiring by the policy in force when it was made; each user's lots in
  -- spending order (soonest expiry first, never last, then age) with their running sum.
  CREATE TEMP TABLE demo_lots ON COMMIT DROP AS
  SELECT l.*, sum(l.points::bigint) OVER (PARTITION BY l.user_id ORDER BY l.expires_at ASC NULLS LAST, l.id) AS hi
  FROM (SELECT s.id, s.user_id, s.type, s.points, s.created_at, s.created_at + p.expires_after AS expires_at
        FROM pg_temp.demo_tx s
        -- Each policy with the moment the next one of its type took over: one hash join, where a
        -- lookup per credit cost 85,000 index scans a chunk.
        LEFT JOIN (SELECT x.credit_type, x.expires_after, x.effective_from,
                          lead(x.effective_from) OVER (PARTITION BY x.credit_type ORDER BY x.effective_from) AS until
                   FROM points_expiry_policies x) p
          ON p.credit_type = s.type AND p.effective_from <= s.created_at
         AND (p.until IS NULL OR s.created_at < p.until)
        WHERE s.points > 0) l;
  -- Debits in id order against the lots in spending order; what no lot holds is unfunded (NULL).
  CREATE TEMP TABLE demo_takes ON COMMIT DROP AS
  WITH d AS (SELECT s.id, s.user_id, -s.points::bigint AS amount,
                    sum(-s.points::bigint) OVER (PARTITION BY s.user_id ORDER BY s.id) AS hi
             FROM pg_temp.demo_tx s WHERE s.points < 0)
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
  DROP TABLE demo_lots, demo_takes;

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
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER FUNCTION pointkeeper_demo_seal() RESET work_mem');
  await knex.raw(keyOnce(SEAL_630));
  await applyPrivileges(knex);
}
