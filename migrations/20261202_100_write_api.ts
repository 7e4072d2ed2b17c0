import type { Knex } from 'knex';
import { groupRoles, LEGACY_GROUP_ROLES, ROLES } from '../src/shared/roles';
import { applyPrivileges, currentDatabase } from './privileges';

/**
 * The database is the last line (issue 14). After this migration no staff login writes a ledger
 * table directly: every change goes through the SECURITY DEFINER functions below, owned by a
 * NOLOGIN owner role (migrations/privileges.ts hands them over and grants EXECUTE per role).
 *
 * - Authorship and time are the server's: created_by / actor are session_user (the login, even
 *   inside a definer function) and times are now(); no function takes them as parameters.
 * - The chain is keyed: row_hash = HMAC-SHA256(key, prev_hash || utf8(content)), the key in
 *   pointkeeper_keys, which only the owner role reads. Anyone can still recompute a plain hash;
 *   nobody without the key can make one the audit accepts. Existing rows are re-signed here.
 * - The ledger's rules are enforced here as well as in TypeScript: whole points 1–10,000, the
 *   balance checked under the user's row lock, idempotency keys, reversal rules, never below zero.
 *   Errors carry SQLSTATEs of class PK (PK404 not found, PK409 conflict, PK422 validation, PK402
 *   insufficient points, PK403 forbidden) and a message written for a person.
 * - Earn, redeem and reverse write their own operations-log entry in the same statement, so a
 *   write is one round trip and its entry cannot be forged or forgotten.
 */

const CREDIT_TYPES = `'earned', 'bonus', 'signup', 'first_order'`;
const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;
const CONTENT = `pointkeeper_tx_content(r.id, r.user_id, r.type, r.points, r.description, r.order_id,
  r.order_amount, r.reverses_id, r.idempotency_key, r.created_by, r.created_at)`;

/** Internal helpers: executable by the owner only (their callers are the definer functions). */
export const INTERNAL = [
  `CREATE FUNCTION pointkeeper__key() RETURNS bytea LANGUAGE sql STABLE AS $$
     SELECT chain_key FROM public.pointkeeper_keys WHERE id = 1 $$`,

  `CREATE FUNCTION pointkeeper__fmt(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
     SELECT to_char(n, 'FM999,999,999,999,990') $$`,

  // Text a person typed: trimmed, present, bounded, and free of control characters (which a
  // terminal would obey when the history is printed).
  `CREATE FUNCTION pointkeeper__check_text(p_what text, p_value text, p_least integer, p_most integer)
   RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
   BEGIN
     IF p_value IS NULL OR length(btrim(p_value)) < p_least THEN
       RAISE EXCEPTION '% must have at least % character(s).', p_what, p_least USING ERRCODE = 'PK422';
     END IF;
     IF length(p_value) > p_most THEN
       RAISE EXCEPTION '% must be at most % characters.', p_what, p_most USING ERRCODE = 'PK422';
     END IF;
     IF p_value <> btrim(p_value) THEN
       RAISE EXCEPTION '% must not start or end with spaces.', p_what USING ERRCODE = 'PK422';
     END IF;
     IF p_value ~ '[[:cntrl:]]' THEN
       RAISE EXCEPTION '% must not contain control characters.', p_what USING ERRCODE = 'PK422';
     END IF;
   END $$`,

  `CREATE FUNCTION pointkeeper__check_points(value integer) RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
   BEGIN
     IF value IS NULL OR value < 1 OR value > 10000 THEN
       RAISE EXCEPTION 'points must be a whole number from 1 to 10,000 (got %).', coalesce(value::text, 'nothing')
         USING ERRCODE = 'PK422';
     END IF;
   END $$`,

  // The only way a row enters the log: id, login, time and both hashes fixed here. The caller
  // holds the user's row lock, so a user's rows are appended one at a time, in id order.
  `CREATE FUNCTION pointkeeper__append(p_user_id integer, p_type text, p_points integer, p_description text,
     p_order_id integer, p_order_amount numeric, p_reverses_id integer, p_idempotency_key text)
   RETURNS points_transactions LANGUAGE plpgsql AS $$
   DECLARE r points_transactions;
   BEGIN
     r.id := nextval('points_transactions_id_seq');
     r.user_id := p_user_id; r.type := p_type; r.points := p_points; r.description := p_description;
     r.order_id := p_order_id; r.order_amount := p_order_amount; r.reverses_id := p_reverses_id;
     r.idempotency_key := p_idempotency_key; r.created_by := session_user; r.created_at := now();
     r.prev_hash := coalesce((SELECT p.row_hash FROM points_transactions p WHERE p.user_id = p_user_id
                              ORDER BY p.id DESC LIMIT 1), '\\x'::bytea);
     r.row_hash := public.hmac(r.prev_hash || convert_to(${CONTENT}, 'UTF8'), pointkeeper__key(), 'sha256');
     INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount,
       reverses_id, idempotency_key, created_by, created_at, prev_hash, row_hash)
     VALUES (r.id, r.user_id, r.type, r.points, r.description, r.order_id, r.order_amount,
       r.reverses_id, r.idempotency_key, r.created_by, r.created_at, r.prev_hash, r.row_hash);
     RETURN r;
   END $$`,

  // The user's ledger lock: their user_points row FOR UPDATE. A missing row is rebuilt from the
  // log — never from zero — so a write cannot erase what the log holds or hide a discrepancy.
  `CREATE FUNCTION pointkeeper__lock(p_user_id integer) RETURNS user_points LANGUAGE plpgsql AS $$
   DECLARE r user_points; log_sum bigint;
   BEGIN
     SELECT * INTO r FROM user_points WHERE user_id = p_user_id FOR UPDATE;
     IF FOUND THEN RETURN r; END IF;
     PERFORM 1 FROM users WHERE id = p_user_id FOR KEY SHARE;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'User % was not found.', p_user_id USING ERRCODE = 'PK404';
     END IF;
     SELECT coalesce(sum(points), 0) INTO log_sum FROM points_transactions WHERE user_id = p_user_id;
     IF log_sum < 0 THEN
       RAISE EXCEPTION 'User %''s log sums to % points, below zero: run recovery before writing for them.',
         p_user_id, log_sum USING ERRCODE = 'PK409';
     END IF;
     INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
     SELECT p_user_id, coalesce(sum(points), 0), coalesce(sum(points) FILTER (WHERE points > 0), 0),
            coalesce(-sum(points) FILTER (WHERE points < 0), 0), max(created_at) FILTER (WHERE points > 0)
     FROM points_transactions WHERE user_id = p_user_id
     ON CONFLICT (user_id) DO NOTHING;
     SELECT * INTO r FROM user_points WHERE user_id = p_user_id FOR UPDATE;
     RETURN r;
   END $$`,

  // The copies move by the write's own delta: a surplus or shortfall the audit would find stays
  // exactly as it was, for recovery to decide. The legacy copy cannot go below zero.
  `CREATE FUNCTION pointkeeper__move(p_row user_points, p_change integer) RETURNS integer LANGUAGE plpgsql AS $$
   DECLARE total integer;
   BEGIN
     UPDATE user_points SET points = points + p_change,
       total_earned = total_earned + greatest(p_change, 0),
       total_redeemed = total_redeemed + greatest(-p_change, 0),
       last_earned_at = CASE WHEN p_change > 0 THEN now() ELSE last_earned_at END, updated_at = now()
     WHERE id = p_row.id RETURNING points INTO total;
     UPDATE users SET rewards = greatest(rewards + p_change, 0), updated_at = now() WHERE id = p_row.user_id;
     RETURN total;
   END $$`,

  `CREATE FUNCTION pointkeeper__log(p_action text, p_input jsonb, p_result jsonb) RETURNS void LANGUAGE sql AS $$
     INSERT INTO operations_log (at, actor, action, input, outcome, error_code, result)
     VALUES (now(), session_user, p_action, p_input, 'ok', NULL, p_result) $$`,

  `CREATE FUNCTION pointkeeper__balance_after(p_user_id integer, p_id integer) RETURNS integer LANGUAGE sql STABLE AS $$
     SELECT coalesce(sum(points), 0)::integer FROM points_transactions WHERE user_id = p_user_id AND id <= p_id $$`,
];

const EARN = `
CREATE FUNCTION pointkeeper_earn(p_user_id integer, p_points integer, p_description text,
  p_type text DEFAULT 'earned', p_order_id integer DEFAULT NULL, p_order_amount numeric DEFAULT NULL,
  p_idempotency_key text DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE
  locked user_points; prior points_transactions; r points_transactions; total integer; owner_id integer;
  result jsonb;
  input jsonb := jsonb_strip_nulls(jsonb_build_object('userId', p_user_id, 'points', p_points,
    'description', p_description, 'orderId', p_order_id, 'orderAmount', p_order_amount, 'type', p_type,
    'idempotencyKey', p_idempotency_key));
BEGIN
  PERFORM pointkeeper__check_points(p_points);
  PERFORM pointkeeper__check_text('description', p_description, 1, 500);
  IF p_type IS NULL OR p_type NOT IN (${CREDIT_TYPES}) THEN
    RAISE EXCEPTION 'type must be one of earned, bonus, signup, first_order.' USING ERRCODE = 'PK422';
  END IF;
  IF p_order_amount IS NOT NULL AND (p_order_amount < 0 OR p_order_amount > 10000000) THEN
    RAISE EXCEPTION 'orderAmount must be between 0 and 10,000,000.' USING ERRCODE = 'PK422';
  END IF;
  locked := pointkeeper__lock(p_user_id);
  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO prior FROM points_transactions WHERE idempotency_key = p_idempotency_key;
    IF FOUND THEN
      IF prior.user_id = p_user_id AND prior.type = p_type AND prior.points = p_points
         AND prior.description = p_description AND prior.order_id IS NOT DISTINCT FROM p_order_id THEN
        total := pointkeeper__balance_after(p_user_id, prior.id);
        result := jsonb_build_object('success', true, 'pointsEarned', prior.points, 'currentPoints', total,
          'transactionId', prior.id, 'replayed', true, 'message',
          format('Successfully earned %s points! Your new total is %s points.', prior.points, total));
        PERFORM pointkeeper__log('points.earn', input, result);
        RETURN result;
      END IF;
      RAISE EXCEPTION 'The idempotency key % was already used for a different request (transaction %).',
        p_idempotency_key, prior.id USING ERRCODE = 'PK409';
    END IF;
  END IF;
  IF p_order_id IS NOT NULL THEN
    SELECT user_id INTO owner_id FROM orders WHERE id = p_order_id;
    IF NOT FOUND THEN RAISE EXCEPTION 'Order % was not found.', p_order_id USING ERRCODE = 'PK404'; END IF;
    IF owner_id <> p_user_id THEN
      RAISE EXCEPTION 'Order % belongs to another user.', p_order_id USING ERRCODE = 'PK422';
    END IF;
  END IF;
  r := pointkeeper__append(p_user_id, p_type, p_points, p_description, p_order_id, p_order_amount, NULL,
    p_idempotency_key);
  total := pointkeeper__move(locked, p_points);
  result := jsonb_build_object('success', true, 'pointsEarned', p_points, 'currentPoints', total,
    'transactionId', r.id, 'replayed', false, 'message',
    format('Successfully earned %s points! Your new total is %s points.', p_points, total));
  PERFORM pointkeeper__log('points.earn', input, result);
  RETURN result;
END $$`;

const REDEEM = `
CREATE FUNCTION pointkeeper_redeem(p_user_id integer, p_points integer, p_description text,
  p_reward_id integer DEFAULT NULL, p_idempotency_key text DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE
  locked user_points; prior points_transactions; r points_transactions; total integer; reward points_rewards;
  redemption_id integer; result jsonb;
  input jsonb := jsonb_strip_nulls(jsonb_build_object('userId', p_user_id, 'points', p_points,
    'rewardId', p_reward_id, 'description', p_description, 'idempotencyKey', p_idempotency_key));
BEGIN
  PERFORM pointkeeper__check_points(p_points);
  PERFORM pointkeeper__check_text('description', p_description, 1, 500);
  locked := pointkeeper__lock(p_user_id);
  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO prior FROM points_transactions WHERE idempotency_key = p_idempotency_key;
    IF FOUND THEN
      SELECT d.id INTO redemption_id FROM user_points_redemptions d WHERE d.transaction_id = prior.id;
      IF prior.user_id = p_user_id AND prior.type = 'redeemed' AND prior.points = -p_points
         AND prior.description = p_description
         AND (SELECT d.points_reward_id FROM user_points_redemptions d WHERE d.transaction_id = prior.id)
             IS NOT DISTINCT FROM p_reward_id THEN
        total := pointkeeper__balance_after(p_user_id, prior.id);
        result := jsonb_build_object('success', true, 'pointsRedeemed', -prior.points, 'currentPoints', total,
          'transactionId', prior.id, 'redemptionId', redemption_id, 'replayed', true, 'message',
          format('Successfully redeemed %s points! Your new total is %s points.', -prior.points, total));
        PERFORM pointkeeper__log('points.redeem', input, result);
        RETURN result;
      END IF;
      RAISE EXCEPTION 'The idempotency key % was already used for a different request (transaction %).',
        p_idempotency_key, prior.id USING ERRCODE = 'PK409';
    END IF;
  END IF;
  IF p_reward_id IS NOT NULL THEN
    SELECT * INTO reward FROM points_rewards WHERE id = p_reward_id;
    IF NOT FOUND THEN RAISE EXCEPTION 'Reward % was not found.', p_reward_id USING ERRCODE = 'PK404'; END IF;
    IF NOT reward.active THEN
      RAISE EXCEPTION 'The reward "%" is no longer offered.', reward.name USING ERRCODE = 'PK422';
    END IF;
    IF reward.cost <> p_points THEN
      RAISE EXCEPTION 'The reward "%" costs % points, not %.', reward.name, reward.cost, p_points
        USING ERRCODE = 'PK422';
    END IF;
  END IF;
  IF locked.points < p_points THEN
    RAISE EXCEPTION 'Not enough points: the balance is %, this needs % (short by %).',
      locked.points, p_points, p_points - locked.points
      USING ERRCODE = 'PK402', DETAIL = jsonb_build_object('balance', locked.points, 'required', p_points,
        'shortfall', p_points - locked.points)::text;
  END IF;
  r := pointkeeper__append(p_user_id, 'redeemed', -p_points, p_description, NULL, NULL, NULL, p_idempotency_key);
  total := pointkeeper__move(locked, -p_points);
  IF p_reward_id IS NOT NULL THEN
    INSERT INTO user_points_redemptions (user_id, points_reward_id, transaction_id, points_spent, expires_at)
    VALUES (p_user_id, reward.id, r.id, p_points, now() + reward.validity_days * interval '1 day')
    RETURNING id INTO redemption_id;
  END IF;
  result := jsonb_build_object('success', true, 'pointsRedeemed', p_points, 'currentPoints', total,
    'transactionId', r.id, 'redemptionId', redemption_id, 'replayed', false, 'message',
    format('Successfully redeemed %s points! Your new total is %s points.', p_points, total));
  PERFORM pointkeeper__log('points.redeem', input, result);
  RETURN result;
END $$`;

const REVERSE = `
CREATE FUNCTION pointkeeper_reverse(p_transaction_id integer, p_reason text)
RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE
  original points_transactions; locked user_points; r points_transactions; earlier integer; change integer;
  total integer; redemption user_points_redemptions; result jsonb;
BEGIN
  PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
  SELECT * INTO original FROM points_transactions WHERE id = p_transaction_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Transaction % was not found.', p_transaction_id USING ERRCODE = 'PK404';
  END IF;
  locked := pointkeeper__lock(original.user_id);
  IF original.reverses_id IS NOT NULL THEN
    RAISE EXCEPTION 'Transaction % is itself a reversal and cannot be reversed.', original.id
      USING ERRCODE = 'PK409';
  END IF;
  SELECT id INTO earlier FROM points_transactions WHERE reverses_id = original.id;
  IF FOUND THEN
    RAISE EXCEPTION 'Transaction % was already reversed by transaction %.', original.id, earlier
      USING ERRCODE = 'PK409';
  END IF;
  change := -original.points;
  IF locked.points + change < 0 THEN
    RAISE EXCEPTION 'Cannot reverse transaction %: its % points were already spent (balance %).',
      original.id, original.points, locked.points
      USING ERRCODE = 'PK402', DETAIL = jsonb_build_object('balance', locked.points, 'required', -change,
        'shortfall', -(locked.points + change))::text;
  END IF;
  IF original.type = 'redeemed' THEN
    SELECT * INTO redemption FROM user_points_redemptions WHERE transaction_id = original.id FOR UPDATE;
    IF FOUND THEN
      IF redemption.is_used THEN
        RAISE EXCEPTION 'Transaction % paid for a reward that was already used; it cannot be reversed.',
          original.id USING ERRCODE = 'PK409';
      END IF;
      UPDATE user_points_redemptions SET cancelled_at = now() WHERE id = redemption.id;
    END IF;
  END IF;
  r := pointkeeper__append(original.user_id, 'adjustment', change,
    format('Reversal of transaction %s: %s', original.id, p_reason), NULL, NULL, original.id, NULL);
  total := pointkeeper__move(locked, change);
  result := jsonb_build_object('success', true, 'transactionId', r.id, 'reversedTransactionId', original.id,
    'pointsChange', change, 'currentPoints', total, 'message',
    format('Reversed transaction %s (%s%s points). The new total is %s points.', original.id,
      CASE WHEN change > 0 THEN '+' ELSE '' END, change, total));
  PERFORM pointkeeper__log('points.reverse',
    jsonb_build_object('transactionId', p_transaction_id, 'reason', p_reason), result);
  RETURN result;
END $$`;

const REDEMPTION_USE = `
CREATE FUNCTION pointkeeper_redemption_use(p_redemption_id integer) RETURNS void
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE d user_points_redemptions; status text;
BEGIN
  SELECT * INTO d FROM user_points_redemptions WHERE id = p_redemption_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Redemption % was not found.', p_redemption_id USING ERRCODE = 'PK404';
  END IF;
  status := CASE WHEN d.cancelled_at IS NOT NULL THEN 'cancelled' WHEN d.is_used THEN 'used'
                 WHEN d.expires_at <= now() THEN 'expired' END;
  IF status IS NOT NULL THEN
    RAISE EXCEPTION 'Redemption % is % and cannot be used.', p_redemption_id, status USING ERRCODE = 'PK409';
  END IF;
  UPDATE user_points_redemptions SET is_used = true, used_at = now() WHERE id = p_redemption_id;
END $$`;

/**
 * Entries every other call makes. The actions the database records itself may not be written
 * by hand as successes — a forged "points.earn ok" or restore entry would mislead verify.
 */
const LOG_OPERATION = `
CREATE FUNCTION pointkeeper_log_operation(p_action text, p_input jsonb, p_outcome text, p_error_code text,
  p_result jsonb) RETURNS bigint LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE new_id bigint;
BEGIN
  -- Refusals of unknown calls are logged under the name asked for: any short printable text.
  IF p_action IS NULL OR length(p_action) NOT BETWEEN 1 AND 100 OR p_action ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'An operation''s action is 1 to 100 printable characters.' USING ERRCODE = 'PK422';
  END IF;
  IF p_outcome IS NULL OR p_outcome NOT IN ('ok', 'error') THEN
    RAISE EXCEPTION 'An operation''s outcome is ok or error.' USING ERRCODE = 'PK422';
  END IF;
  IF p_outcome = 'ok' AND p_action IN ('points.earn', 'points.redeem', 'points.reverse', 'backup.restore.write',
                                       'recovery.chunk', 'recovery.resolve') THEN
    RAISE EXCEPTION 'The database records a successful % itself; it cannot be logged by hand.', p_action
      USING ERRCODE = 'PK403';
  END IF;
  INSERT INTO operations_log (at, actor, action, input, outcome, error_code, result)
  VALUES (now(), session_user, p_action, coalesce(p_input, '{}'::jsonb), p_outcome, p_error_code, p_result)
  RETURNING id INTO new_id;
  RETURN new_id;
END $$`;

/** The audit's scans: bookkeeping only by the scan's own login; the backend is checked, not believed. */
const SCANS = [
  `CREATE FUNCTION pointkeeper_scan_start(p_verify_chain boolean) RETURNS integer
   LANGUAGE sql ${DEFINER} AS $$
     INSERT INTO audit_scans (verify_chain, started_by, started_at) VALUES (coalesce(p_verify_chain, false), session_user, now())
     RETURNING id $$`,

  `CREATE FUNCTION pointkeeper__own_running_scan(p_scan_id integer) RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     -- No row lock: the scan saves results inside its long snapshot while progress is recorded
     -- from another session, and a lock held by the first would stall the second.
     PERFORM 1 FROM audit_scans WHERE id = p_scan_id AND status = 'running' AND started_by = session_user;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'Scan % is not a running scan of %.', p_scan_id, session_user USING ERRCODE = 'PK403';
     END IF;
   END $$`,

  `CREATE FUNCTION pointkeeper_scan_attach(p_scan_id integer, p_users_total integer, p_backend_pid integer)
   RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     PERFORM pointkeeper__own_running_scan(p_scan_id);
     IF NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = p_backend_pid AND usename = session_user
                    AND datname = current_database()) THEN
       RAISE EXCEPTION 'Backend % is not a session of % on this database.', p_backend_pid, session_user
         USING ERRCODE = 'PK403';
     END IF;
     UPDATE audit_scans SET users_total = p_users_total, backend_pid = p_backend_pid WHERE id = p_scan_id;
   END $$`,

  `CREATE FUNCTION pointkeeper_scan_progress(p_scan_id integer, p_users_scanned integer) RETURNS void
   LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     PERFORM pointkeeper__own_running_scan(p_scan_id);
     UPDATE audit_scans SET users_scanned = p_users_scanned WHERE id = p_scan_id;
   END $$`,

  `CREATE FUNCTION pointkeeper_scan_save_results(p_scan_id integer, p_rows jsonb) RETURNS integer
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE n integer;
   BEGIN
     PERFORM pointkeeper__own_running_scan(p_scan_id);
     INSERT INTO audit_scan_results (scan_id, user_id, kind, stored, expected, difference, stake, log_balance,
       transaction_id, previous_id, redemption_id, detail)
     SELECT p_scan_id, r.user_id, r.kind, r.stored, r.expected, r.difference, coalesce(r.stake, 0),
            coalesce(r.log_balance, 0), r.transaction_id, r.previous_id, r.redemption_id, r.detail
     FROM jsonb_populate_recordset(NULL::audit_scan_results, p_rows) r;
     GET DIAGNOSTICS n = ROW_COUNT;
     RETURN n;
   END $$`,

  `CREATE FUNCTION pointkeeper_scan_finish(p_scan_id integer, p_status text, p_users_scanned integer,
     p_transactions_scanned bigint, p_error text) RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     PERFORM pointkeeper__own_running_scan(p_scan_id);
     IF p_status NOT IN ('done', 'cancelled', 'failed') THEN
       RAISE EXCEPTION 'A scan ends done, cancelled or failed.' USING ERRCODE = 'PK422';
     END IF;
     IF p_status <> 'done' THEN DELETE FROM audit_scan_results WHERE scan_id = p_scan_id; END IF;
     UPDATE audit_scans SET status = p_status, finished_at = now(), users_scanned = p_users_scanned,
       transactions_scanned = coalesce(p_transactions_scanned, transactions_scanned), error = p_error
     WHERE id = p_scan_id;
   END $$`,

  // Anyone who may scan may stop a running scan; the flag stops it between chunks. The backend
  // is returned so the caller can cancel the statement running now (as its own login may).
  `CREATE FUNCTION pointkeeper_scan_cancel(p_scan_id integer) RETURNS integer
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE s audit_scans;
   BEGIN
     SELECT * INTO s FROM audit_scans WHERE id = p_scan_id FOR UPDATE;
     IF NOT FOUND THEN RAISE EXCEPTION 'Scan % was not found.', p_scan_id USING ERRCODE = 'PK404'; END IF;
     IF s.status <> 'running' THEN RETURN NULL; END IF;
     UPDATE audit_scans SET cancel_requested = true WHERE id = p_scan_id;
     RETURN coalesce(s.backend_pid, 0);
   END $$`,
];

/**
 * Recovery: the run row and every chunk's writes. The database decides the adjustment itself —
 * only what a stored copy already shows, above the log, may be recorded — so recovery cannot
 * mint points, and a user whose history fails the keyed chain is never raised from it.
 */
const RECOVERY = [
  `CREATE FUNCTION pointkeeper_recovery_start(p_id uuid, p_action text, p_scope jsonb, p_fingerprint text,
     p_chunks_total integer) RETURNS void LANGUAGE sql ${DEFINER} AS $$
     INSERT INTO recovery_runs (id, action, scope, fingerprint, chunks_total, actor, started_at, updated_at)
     VALUES (p_id, p_action, p_scope, p_fingerprint, p_chunks_total, session_user, now(), now()) $$`,

  // The same order every writer locks in: user_points rows, then users rows.
  `CREATE FUNCTION pointkeeper_lock_users(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     PERFORM 1 FROM user_points WHERE user_id = ANY(p_user_ids) ORDER BY user_id FOR UPDATE;
     PERFORM 1 FROM users WHERE id = ANY(p_user_ids) ORDER BY id FOR UPDATE;
   END $$`,

  // Set-based over the chunk (5,000 users by default): one aggregate of the log, an
  // adjustment only for users whose kept copy is above it, one upsert, one update.
  `CREATE FUNCTION pointkeeper_recovery_apply(p_run_id uuid, p_user_ids integer[]) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE
     run recovery_runs; u record; broken integer;
     v_changed integer; v_created integer; v_adjustments integer := 0; v_points bigint := 0;
   BEGIN
     SELECT * INTO run FROM recovery_runs WHERE id = p_run_id FOR UPDATE;
     IF NOT FOUND OR run.status <> 'running' OR run.actor <> session_user THEN
       RAISE EXCEPTION 'Recovery run % is not a running run of %.', p_run_id, session_user USING ERRCODE = 'PK403';
     END IF;
     IF run.chunks_done >= run.chunks_total THEN
       RAISE EXCEPTION 'Recovery run % has applied all its chunks.', p_run_id USING ERRCODE = 'PK409';
     END IF;
     PERFORM pointkeeper_lock_users(p_user_ids);
     SELECT b.user_id INTO broken FROM pointkeeper_chain_breaks_of(p_user_ids) b LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'User %''s history fails the keyed hash chain: investigate it; recovery does not write from it.',
         broken USING ERRCODE = 'PK409';
     END IF;
     CREATE TEMP TABLE IF NOT EXISTS pk_recovery_work (user_id integer PRIMARY KEY, had_row boolean,
       balance bigint, target bigint, points integer, rewards integer) ON COMMIT DROP;
     TRUNCATE pk_recovery_work;
     -- recover keeps the stored balance (the user_points row, or the legacy copy without one) when
     -- it is above the log; sync sets both copies to the log.
     INSERT INTO pk_recovery_work
     SELECT x.id, up.id IS NOT NULL, coalesce(t.balance, 0),
            CASE WHEN run.action = 'recover'
                 THEN greatest(coalesce(t.balance, 0), CASE WHEN up.id IS NOT NULL THEN up.points ELSE us.rewards END)
                 ELSE coalesce(t.balance, 0) END,
            up.points, us.rewards
     FROM (SELECT DISTINCT unnest(p_user_ids) AS id) x
     JOIN users us ON us.id = x.id
     LEFT JOIN user_points up ON up.user_id = x.id
     LEFT JOIN (SELECT user_id, sum(points)::bigint AS balance FROM points_transactions
                WHERE user_id = ANY(p_user_ids) GROUP BY user_id) t ON t.user_id = x.id
     -- sync never writes a negative balance: such a user is left as is (recover adjusts instead).
     WHERE run.action = 'recover' OR coalesce(t.balance, 0) >= 0;
     -- A legacy copy above both the balance row and the log was written some other way: recover
     -- never lowers it and never credits it without a person's decision (recovery.resolve).
     SELECT w.user_id INTO broken FROM pk_recovery_work w
     WHERE run.action = 'recover' AND w.had_row AND w.rewards > greatest(w.points, w.balance) LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'User %''s legacy copy is above both its balance and the log: investigate and resolve it; recovery does not credit it.',
         broken USING ERRCODE = 'PK409';
     END IF;
     FOR u IN SELECT * FROM pk_recovery_work WHERE target > balance ORDER BY user_id LOOP
       PERFORM pointkeeper__append(u.user_id, 'adjustment', (u.target - u.balance)::integer, format(
         'Recovery: the stored balance was %s points but the log explained %s; +%s records the missing transactions so the log explains the balance',
         pointkeeper__fmt(u.target), pointkeeper__fmt(u.balance), pointkeeper__fmt(u.target - u.balance)),
         NULL, NULL, NULL, NULL);
       v_adjustments := v_adjustments + 1;
       v_points := v_points + (u.target - u.balance);
     END LOOP;
     INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
     SELECT w.user_id, coalesce(a.balance, 0), coalesce(a.credits, 0), coalesce(a.debits, 0), a.last_earned_at, now()
     FROM pk_recovery_work w
     LEFT JOIN (SELECT user_id, sum(points) AS balance, sum(points) FILTER (WHERE points > 0) AS credits,
                       -sum(points) FILTER (WHERE points < 0) AS debits,
                       max(created_at) FILTER (WHERE points > 0) AS last_earned_at
                FROM points_transactions WHERE user_id = ANY(p_user_ids) GROUP BY user_id) a ON a.user_id = w.user_id
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now();
     UPDATE users us SET rewards = w.target, updated_at = now() FROM pk_recovery_work w WHERE us.id = w.user_id;
     SELECT count(*), count(*) FILTER (WHERE NOT had_row) INTO v_changed, v_created FROM pk_recovery_work;
     UPDATE recovery_runs SET chunks_done = chunks_done + 1, users_changed = users_changed + v_changed,
       rows_created = rows_created + v_created, adjustments = adjustments + v_adjustments,
       adjustment_points = adjustment_points + v_points, updated_at = now()
     WHERE id = p_run_id;
     PERFORM pointkeeper__log('recovery.chunk', jsonb_build_object('runId', p_run_id, 'users', cardinality(p_user_ids)),
       jsonb_build_object('usersChanged', v_changed, 'rowsCreated', v_created, 'adjustments', v_adjustments,
                          'adjustmentPoints', v_points));
     RETURN jsonb_build_object('usersChanged', v_changed, 'rowsCreated', v_created, 'adjustments', v_adjustments,
                               'adjustmentPoints', v_points);
   END $$`,

  // An admin's decision on one quarantined user (recovery.resolve), under the user's lock: the
  // state must still be what the admin read. accept_log sets both copies to the log; keep_stored
  // first appends an adjustment bringing the log to the stored balance. Chain breaks do not stop
  // it: deciding about them is what it is for; the decision and the reason are logged.
  `CREATE FUNCTION pointkeeper_recovery_resolve(p_user_id integer, p_decision text, p_reason text,
     p_expect_log bigint, p_expect_points integer, p_expect_rewards integer) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE
     up user_points; rewards integer; log_sum bigint; stored bigint; adj points_transactions; adjusted jsonb;
     result jsonb;
   BEGIN
     PERFORM pointkeeper__check_text('reason', p_reason, 10, 1000);
     IF p_decision IS NULL OR p_decision NOT IN ('accept_log', 'keep_stored') THEN
       RAISE EXCEPTION 'A decision is accept_log or keep_stored.' USING ERRCODE = 'PK422';
     END IF;
     PERFORM pointkeeper_lock_users(ARRAY[p_user_id]);
     SELECT u.rewards INTO rewards FROM users u WHERE u.id = p_user_id;
     IF NOT FOUND THEN RAISE EXCEPTION 'User % was not found.', p_user_id USING ERRCODE = 'PK404'; END IF;
     SELECT * INTO up FROM user_points WHERE user_id = p_user_id;
     SELECT coalesce(sum(points), 0) INTO log_sum FROM points_transactions WHERE user_id = p_user_id;
     IF log_sum IS DISTINCT FROM p_expect_log OR up.points IS DISTINCT FROM p_expect_points
        OR rewards IS DISTINCT FROM p_expect_rewards THEN
       RAISE EXCEPTION 'User % changed since you read it (log %, user_points %, users.rewards %): nothing was written. Preview again.',
         p_user_id, pointkeeper__fmt(log_sum), coalesce(pointkeeper__fmt(up.points), 'none'), pointkeeper__fmt(rewards)
         USING ERRCODE = 'PK409';
     END IF;
     IF p_decision = 'keep_stored' THEN
       stored := coalesce(up.points, rewards);
       IF stored <> log_sum THEN
         adj := pointkeeper__append(p_user_id, 'adjustment', (stored - log_sum)::integer,
           format('Resolved by an admin (keep the stored balance %s): %s', pointkeeper__fmt(stored), p_reason),
           NULL, NULL, NULL, NULL);
         adjusted := jsonb_build_object('transactionId', adj.id, 'points', adj.points);
       END IF;
     ELSIF log_sum < 0 THEN
       RAISE EXCEPTION 'User %''s log sums to %: no balance may be negative, so it cannot be accepted as it is. Keep the stored balance instead.',
         p_user_id, pointkeeper__fmt(log_sum) USING ERRCODE = 'PK422';
     END IF;
     INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
     SELECT p_user_id, coalesce(sum(points), 0), coalesce(sum(points) FILTER (WHERE points > 0), 0),
            coalesce(-sum(points) FILTER (WHERE points < 0), 0), max(created_at) FILTER (WHERE points > 0), now()
     FROM points_transactions WHERE user_id = p_user_id
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now()
     RETURNING * INTO up;
     UPDATE users SET rewards = up.points, updated_at = now() WHERE id = p_user_id;
     result := jsonb_build_object('userId', p_user_id, 'decision', p_decision, 'reason', p_reason,
       'adjustment', adjusted,
       'before', jsonb_build_object('logBalance', log_sum, 'points', p_expect_points, 'rewards', rewards),
       'after', jsonb_build_object('logBalance', up.points, 'points', up.points, 'rewards', up.points));
     PERFORM pointkeeper__log('recovery.resolve', jsonb_build_object('userId', p_user_id, 'decision', p_decision,
       'reason', p_reason), result);
     RETURN result;
   END $$`,

  `CREATE FUNCTION pointkeeper_recovery_finish(p_run_id uuid, p_status text) RETURNS void
   LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     IF p_status NOT IN ('done', 'cancelled', 'conflict', 'failed') THEN
       RAISE EXCEPTION 'A recovery run ends done, cancelled, conflict or failed.' USING ERRCODE = 'PK422';
     END IF;
     UPDATE recovery_runs SET status = p_status, updated_at = now(), finished_at = now()
     WHERE id = p_run_id AND status = 'running' AND actor = session_user;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'Recovery run % is not a running run of %.', p_run_id, session_user USING ERRCODE = 'PK403';
     END IF;
   END $$`,
];

/**
 * Chain verification, for anyone who may audit: the key never leaves the database. Kinds as
 * before (unsealed, altered, removed); a row re-hashed without the key is "altered".
 */
const BREAKS_BODY = (where: string) => `
  SELECT l.user_id, l.id, l.previous_id,
         CASE WHEN l.row_hash IS NULL OR l.prev_hash IS NULL THEN 'unsealed'
              WHEN l.row_hash <> l.expected_hash THEN 'altered' ELSE 'removed' END
  FROM (
    SELECT t.id, t.user_id, t.row_hash, t.prev_hash, lag(t.id) OVER w AS previous_id,
           coalesce(lag(t.row_hash) OVER w, '\\x'::bytea) AS expected_prev,
           public.hmac(t.prev_hash || convert_to(pointkeeper_tx_content(t.id, t.user_id, t.type, t.points,
             t.description, t.order_id, t.order_amount, t.reverses_id, t.idempotency_key, t.created_by,
             t.created_at), 'UTF8'), k.chain_key, 'sha256') AS expected_hash
    FROM points_transactions t CROSS JOIN pointkeeper_keys k
    WHERE ${where}
    WINDOW w AS (PARTITION BY t.user_id ORDER BY t.id)
  ) l
  WHERE l.row_hash IS NULL OR l.prev_hash IS NULL OR l.row_hash <> l.expected_hash OR l.prev_hash <> l.expected_prev`;

export const CHAIN = [
  `CREATE FUNCTION pointkeeper_chain_breaks(p_from integer DEFAULT NULL, p_to integer DEFAULT NULL)
   RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
   LANGUAGE sql STABLE ${DEFINER} AS $$ ${BREAKS_BODY(
     '(p_from IS NULL OR t.user_id >= p_from) AND (p_to IS NULL OR t.user_id <= p_to)',
   )} $$`,
  `CREATE FUNCTION pointkeeper_chain_breaks_of(p_user_ids integer[])
   RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
   LANGUAGE sql STABLE ${DEFINER} AS $$ ${BREAKS_BODY('t.user_id = ANY(p_user_ids)')} $$`,
];

/**
 * Replace restore's removals are allowed only inside pointkeeper_restore_write: the trigger lets
 * a DELETE — or a re-seal that changes nothing but the two hashes — through only while that
 * function's SET clause has the flag on AND the current user owns the table, which no login is.
 */
const REFUSE_CHANGE = `
CREATE OR REPLACE FUNCTION pointkeeper_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'points_transactions' AND current_setting('pointkeeper.restore_replace', true) = 'on'
     AND current_user = (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = TG_RELID) THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    IF TG_OP = 'UPDATE' AND (NEW.id, NEW.user_id, NEW.order_id, NEW.type, NEW.points, NEW.description,
         NEW.order_amount, NEW.idempotency_key, NEW.created_by, NEW.created_at, NEW.reverses_id)
       IS NOT DISTINCT FROM (OLD.id, OLD.user_id, OLD.order_id, OLD.type, OLD.points, OLD.description,
         OLD.order_amount, OLD.idempotency_key, OLD.created_by, OLD.created_at, OLD.reverses_id) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$`;

/** The staged file's rows checked against this database's key, before anything is written. */
export const STAGED_BREAKS = `
CREATE FUNCTION pointkeeper_staged_chain_breaks(p_limit integer DEFAULT 20)
RETURNS TABLE (line integer, user_id integer, transaction_id integer, previous_id integer, kind text)
LANGUAGE plpgsql STABLE ${DEFINER} AS $$
BEGIN
  RETURN QUERY
  SELECT l._line, l.user_id, l.id, l.previous_id,
         CASE WHEN l.row_hash IS NULL OR l.prev_hash IS NULL THEN 'unsealed'
              WHEN l.row_hash <> l.expected_hash THEN 'altered' ELSE 'removed' END
  FROM (
    SELECT t._line, t.id, t.user_id, t.row_hash, t.prev_hash, lag(t.id) OVER w AS previous_id,
           coalesce(lag(t.row_hash) OVER w, '\\x'::bytea) AS expected_prev,
           public.hmac(t.prev_hash || convert_to(pointkeeper_tx_content(t.id, t.user_id, t.type, t.points,
             t.description, t.order_id, t.order_amount, t.reverses_id, t.idempotency_key, t.created_by,
             t.created_at), 'UTF8'), pointkeeper__key(), 'sha256') AS expected_hash
    FROM pg_temp.bk_points_transactions t
    WINDOW w AS (PARTITION BY t.user_id ORDER BY t.id)
  ) l
  WHERE l.row_hash IS NULL OR l.prev_hash IS NULL OR l.row_hash <> l.expected_hash OR l.prev_hash <> l.expected_prev
  ORDER BY l._line LIMIT p_limit;
END $$`;

/**
 * A restore's writes, in one call, from the session's staging tables pg_temp.bk_<table> (the
 * caller grants this function's owner SELECT on them and SELECT, INSERT on pg_temp.bk_touched).
 * Tables and columns are checked against the catalog; ids beyond 2^31 − 2^20 are refused so no
 * file can push a sequence to its end; sequences end at the largest id the table holds. Every
 * restored user's chain must verify with this database's key — or, for a file from another
 * Pointkeeper database whose restore was acknowledged (p_reseal), is re-sealed with it.
 * Merge: users who had a user_points row keep it, moved by the delta of the rows added (as a
 * write moves it); users without one get one built from the log; an existing user's legacy copy
 * moves by the same delta.
 */
export const RESTORE = `
CREATE FUNCTION pointkeeper_restore_write(p_restore_id uuid, p_mode text, p_columns jsonb, p_reseal boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET pointkeeper.restore_replace = 'on' AS $$
DECLARE
  tables text[] := ARRAY['users', 'orders', 'points_rewards', 'user_points', 'points_transactions', 'user_points_redemptions'];
  t text; cols text; setcols text; unknown text; n bigint; removed bigint; broken record; resealed bigint := 0;
  applied jsonb := '{}'::jsonb; max_id bigint;
BEGIN
  IF p_mode IS NULL OR p_mode NOT IN ('merge', 'replace') THEN
    RAISE EXCEPTION 'A restore is merge or replace.' USING ERRCODE = 'PK422';
  END IF;
  IF p_restore_id IS NULL THEN RAISE EXCEPTION 'A restore needs an id.' USING ERRCODE = 'PK422'; END IF;
  FOR t IN SELECT jsonb_object_keys(p_columns) LOOP
    IF NOT t = ANY(tables) THEN RAISE EXCEPTION 'A backup has no table %.', t USING ERRCODE = 'PK422'; END IF;
    SELECT c INTO unknown FROM jsonb_array_elements_text(p_columns->t) c
    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = ('public.' || quote_ident(t))::regclass
                      AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
    IF FOUND THEN RAISE EXCEPTION 'The table % has no column %.', t, unknown USING ERRCODE = 'PK422'; END IF;
    EXECUTE format('SELECT max(id) FROM pg_temp.%I', 'bk_' || t) INTO max_id;
    IF max_id > 2146435071 THEN
      RAISE EXCEPTION 'The file''s % ids reach %: beyond 2,146,435,071 a sequence would be exhausted; refused.',
        t, max_id USING ERRCODE = 'PK422';
    END IF;
  END LOOP;

  IF jsonb_exists(p_columns, 'users') THEN
    PERFORM pointkeeper_lock_users(array(SELECT id FROM pg_temp.bk_users));
  END IF;
  -- merge, before anything is written: per user of the file, whether they and their balance row
  -- exist, and the sums of the log rows the merge will add.
  CREATE TEMP TABLE IF NOT EXISTS bk_merge_delta (user_id integer PRIMARY KEY, had_user boolean, had_row boolean,
    d bigint, c bigint, r bigint, le timestamptz) ON COMMIT DROP;
  TRUNCATE bk_merge_delta;
  IF p_mode = 'merge' AND jsonb_exists(p_columns, 'users') THEN
    IF jsonb_exists(p_columns, 'points_transactions') THEN
      INSERT INTO bk_merge_delta
      WITH n AS (SELECT f.user_id, sum(f.points)::bigint AS d,
                   coalesce(sum(f.points) FILTER (WHERE f.points > 0), 0)::bigint AS c,
                   coalesce(-sum(f.points) FILTER (WHERE f.points < 0), 0)::bigint AS r,
                   max(f.created_at) FILTER (WHERE f.points > 0) AS le
                 FROM pg_temp.bk_points_transactions f
                 WHERE NOT EXISTS (SELECT 1 FROM points_transactions x WHERE x.id = f.id) GROUP BY f.user_id)
      SELECT s.id, u.id IS NOT NULL, up.user_id IS NOT NULL, coalesce(n.d, 0), coalesce(n.c, 0), coalesce(n.r, 0), n.le
      FROM pg_temp.bk_users s LEFT JOIN users u ON u.id = s.id LEFT JOIN user_points up ON up.user_id = s.id
      LEFT JOIN n ON n.user_id = s.id;
    ELSE
      INSERT INTO bk_merge_delta
      SELECT s.id, u.id IS NOT NULL, up.user_id IS NOT NULL, 0, 0, 0, NULL
      FROM pg_temp.bk_users s LEFT JOIN users u ON u.id = s.id LEFT JOIN user_points up ON up.user_id = s.id;
    END IF;
  END IF;

  -- A merge adds to histories that stay: they must verify first, or a re-seal below would heal
  -- (and so hide) a row tampered with before the restore.
  IF p_mode = 'merge' AND jsonb_exists(p_columns, 'points_transactions') THEN
    SELECT * INTO broken FROM pointkeeper_chain_breaks_of(array(SELECT DISTINCT user_id FROM pg_temp.bk_points_transactions)) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'User %''s history in this database already fails the chain (transaction %, %): investigate it before restoring into it; nothing was written.',
        broken.user_id, broken.transaction_id, broken.kind USING ERRCODE = 'PK409';
    END IF;
  END IF;

  IF p_mode = 'replace' AND jsonb_exists(p_columns, 'users') THEN
    DELETE FROM user_points_redemptions WHERE user_id IN (SELECT id FROM pg_temp.bk_users);
    GET DIAGNOSTICS n = ROW_COUNT;
    applied := applied || jsonb_build_object('user_points_redemptions', jsonb_build_object('inserted', 0, 'updated', 0, 'removed', n));
    DELETE FROM points_transactions WHERE user_id IN (SELECT id FROM pg_temp.bk_users);
    GET DIAGNOSTICS n = ROW_COUNT;
    applied := applied || jsonb_build_object('points_transactions', jsonb_build_object('inserted', 0, 'updated', 0, 'removed', n));
    DELETE FROM user_points WHERE user_id IN (SELECT id FROM pg_temp.bk_users);
    GET DIAGNOSTICS n = ROW_COUNT;
    applied := applied || jsonb_build_object('user_points', jsonb_build_object('inserted', 0, 'updated', 0, 'removed', n));
    INSERT INTO pg_temp.bk_touched SELECT id FROM pg_temp.bk_users ON CONFLICT DO NOTHING;
  END IF;


  FOREACH t IN ARRAY tables LOOP
    CONTINUE WHEN NOT jsonb_exists(p_columns, t);
    SELECT string_agg(quote_ident(c), ', ') INTO cols FROM jsonb_array_elements_text(p_columns->t) c;
    removed := coalesce((applied->t->>'removed')::bigint, 0);
    n := 0;
    IF t = 'users' AND p_mode = 'replace' THEN
      SELECT string_agg(format('%I = s.%I', c, c), ', ') INTO setcols
      FROM jsonb_array_elements_text(p_columns->t) c WHERE c <> 'id';
      EXECUTE format('UPDATE users r SET %s FROM pg_temp.bk_users s WHERE r.id = s.id AND NOT (ROW(%s) IS NOT DISTINCT FROM ROW(%s))',
        setcols,
        (SELECT string_agg('s.' || quote_ident(c), ', ') FROM jsonb_array_elements_text(p_columns->t) c),
        (SELECT string_agg('r.' || quote_ident(c), ', ') FROM jsonb_array_elements_text(p_columns->t) c));
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    applied := applied || jsonb_build_object(t, jsonb_build_object('updated', n, 'removed', removed));
    IF t = 'points_transactions' THEN
      EXECUTE format('WITH ins AS (INSERT INTO points_transactions (%s) SELECT %s FROM pg_temp.bk_points_transactions s
          WHERE NOT EXISTS (SELECT 1 FROM points_transactions r WHERE r.id = s.id) ORDER BY s.id
          ON CONFLICT DO NOTHING RETURNING user_id),
        u AS (INSERT INTO pg_temp.bk_touched SELECT DISTINCT user_id FROM ins ON CONFLICT DO NOTHING)
        SELECT count(*) FROM ins', cols, cols) INTO n;
    ELSE
      EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM pg_temp.%I s
          WHERE NOT EXISTS (SELECT 1 FROM %I r WHERE r.%I = s.%I) ORDER BY s.id ON CONFLICT DO NOTHING',
        t, cols, cols, 'bk_' || t, t, CASE t WHEN 'user_points' THEN 'user_id' ELSE 'id' END,
        CASE t WHEN 'user_points' THEN 'user_id' ELSE 'id' END);
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    applied := jsonb_set(applied, ARRAY[t, 'inserted'], to_jsonb(n));
  END LOOP;

  IF p_mode = 'merge' THEN
    -- The rule every write follows: a balance row that existed moves by the delta of the rows
    -- added (a surplus recover would keep stays for recover to decide); a user without one gets
    -- it from the log; an existing user's legacy copy moves by the same delta.
    UPDATE user_points up SET points = up.points + m.d, total_earned = up.total_earned + m.c,
      total_redeemed = up.total_redeemed + m.r, last_earned_at = greatest(up.last_earned_at, m.le), updated_at = now()
    FROM bk_merge_delta m WHERE up.user_id = m.user_id AND m.had_row AND (m.d, m.c, m.r) <> (0, 0, 0);
    INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
    SELECT m.user_id, coalesce(lt.balance, 0), coalesce(lt.credits, 0), coalesce(lt.debits, 0), lt.last_earned_at
    FROM bk_merge_delta m LEFT JOIN (
      SELECT p.user_id, sum(p.points) AS balance, coalesce(sum(p.points) FILTER (WHERE p.points > 0), 0) AS credits,
             coalesce(-sum(p.points) FILTER (WHERE p.points < 0), 0) AS debits,
             max(p.created_at) FILTER (WHERE p.points > 0) AS last_earned_at
      FROM points_transactions p WHERE p.user_id IN (SELECT user_id FROM bk_merge_delta WHERE NOT had_row)
      GROUP BY p.user_id) lt ON lt.user_id = m.user_id
    WHERE NOT m.had_row
    ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
      total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now();
    UPDATE users u SET rewards = u.rewards + m.d, updated_at = now()
    FROM bk_merge_delta m WHERE u.id = m.user_id AND m.had_user AND m.d <> 0;
  END IF;

  FOREACH t IN ARRAY tables LOOP
    CONTINUE WHEN NOT jsonb_exists(p_columns, t);
    -- Sequences end at max(what they handed out, the largest id the table holds): moved only
    -- forward, and only when a restored id is beyond the counter.
    EXECUTE format('SELECT setval(%L, m) FROM (SELECT max(id) AS m FROM %I) x
      WHERE m > coalesce(pg_sequence_last_value(%L::regclass), 0)',
      pg_get_serial_sequence(t, 'id'), t, pg_get_serial_sequence(t, 'id'));
  END LOOP;

  SELECT * INTO broken FROM pointkeeper_chain_breaks_of(array(SELECT user_id FROM pg_temp.bk_touched)) LIMIT 1;
  IF FOUND THEN
    IF NOT coalesce(p_reseal, false) THEN
      RAISE EXCEPTION 'The restore would leave broken chain links (first: user %, transaction %, %); nothing was written. A file from another Pointkeeper database restores only when acknowledged.',
        broken.user_id, broken.transaction_id, broken.kind USING ERRCODE = 'PK422';
    END IF;
    UPDATE points_transactions t SET prev_hash = c.prev_hash, row_hash = c.row_hash
    FROM (
      SELECT id, row_hash, coalesce(lag(row_hash) OVER w, '\\x'::bytea) AS prev_hash
      FROM (
        SELECT p.id, p.user_id, pointkeeper_hmac_chain(NULL::bytea, pointkeeper_tx_content(p.id, p.user_id, p.type,
                 p.points, p.description, p.order_id, p.order_amount, p.reverses_id, p.idempotency_key,
                 p.created_by, p.created_at), pointkeeper__key()) OVER (PARTITION BY p.user_id ORDER BY p.id) AS row_hash
        FROM points_transactions p WHERE p.user_id IN (SELECT user_id FROM pg_temp.bk_touched)
      ) h
      WINDOW w AS (PARTITION BY user_id ORDER BY id)
    ) c
    WHERE c.id = t.id AND (t.row_hash IS DISTINCT FROM c.row_hash OR t.prev_hash IS DISTINCT FROM c.prev_hash);
    GET DIAGNOSTICS resealed = ROW_COUNT;
  END IF;
  PERFORM pointkeeper__log('backup.restore.write',
    jsonb_build_object('restoreId', p_restore_id, 'mode', p_mode, 'tables', (SELECT jsonb_agg(k) FROM jsonb_object_keys(p_columns) k),
                       'reseal', coalesce(p_reseal, false)),
    jsonb_build_object('applied', applied, 'resealed', resealed));
  RETURN jsonb_build_object('applied', applied, 'resealed', resealed);
END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public');
  // Which database these objects were made for: a copy made with CREATE DATABASE … TEMPLATE is
  // noticed by migrations/privileges.ts, which gives it roles of its own.
  await knex.raw(
    `CREATE TABLE pointkeeper_database (id smallint PRIMARY KEY CHECK (id = 1), database_name text NOT NULL)`,
  );
  await knex.raw(`INSERT INTO pointkeeper_database VALUES (1, current_database())`);
  await knex.raw(`CREATE TABLE pointkeeper_keys (id smallint PRIMARY KEY CHECK (id = 1), chain_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())`);
  await knex.raw(`INSERT INTO pointkeeper_keys (id, chain_key) VALUES (1, public.gen_random_bytes(32))`);

  for (const sql of INTERNAL) await knex.raw(sql);
  for (const sql of CHAIN) await knex.raw(sql);
  for (const sql of [EARN, REDEEM, REVERSE, REDEMPTION_USE, LOG_OPERATION, ...SCANS, ...RECOVERY]) {
    await knex.raw(sql);
  }

  // Re-sign every existing row with the key, in one pass, as migration 004 sealed them.
  await knex.raw(`CREATE FUNCTION pointkeeper_hmac_chain_step(state bytea, seed bytea, content text, key bytea)
    RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT public.hmac(coalesce(state, seed, '\\x'::bytea) || convert_to(content, 'UTF8'), key, 'sha256') $$`);
  await knex.raw(`CREATE AGGREGATE pointkeeper_hmac_chain(bytea, text, bytea) (
    SFUNC = pointkeeper_hmac_chain_step, STYPE = bytea, PARALLEL = SAFE)`);
  await knex.raw('ALTER TABLE points_transactions DISABLE TRIGGER points_transactions_append_only');
  await knex.raw(`
    UPDATE points_transactions t SET prev_hash = c.prev_hash, row_hash = c.row_hash
    FROM (
      SELECT id, row_hash, coalesce(lag(row_hash) OVER w, '\\x'::bytea) AS prev_hash
      FROM (
        SELECT p.id, p.user_id, pointkeeper_hmac_chain(NULL::bytea, pointkeeper_tx_content(p.id, p.user_id, p.type,
                 p.points, p.description, p.order_id, p.order_amount, p.reverses_id, p.idempotency_key,
                 p.created_by, p.created_at), k.chain_key) OVER (PARTITION BY p.user_id ORDER BY p.id) AS row_hash
        FROM points_transactions p CROSS JOIN pointkeeper_keys k
      ) h
      WINDOW w AS (PARTITION BY user_id ORDER BY id)
    ) c
    WHERE c.id = t.id`);
  await knex.raw('ALTER TABLE points_transactions ENABLE TRIGGER points_transactions_append_only');

  await knex.raw(REFUSE_CHANGE);
  await knex.raw(STAGED_BREAKS);
  await knex.raw(RESTORE);
  // The standalone removal is gone: a replace restore removes rows inside its own function.
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_restore_remove_transactions(integer[])');
  await knex.raw('DROP AGGREGATE IF EXISTS pointkeeper_chain(bytea, text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_chain_step(bytea, bytea, text)');
  // Columns the server fills: a default of current_user inside a definer function would name the owner.
  await knex.raw(`ALTER TABLE points_transactions ALTER COLUMN created_by SET DEFAULT session_user`);
  await knex.raw(`ALTER TABLE operations_log ALTER COLUMN actor SET DEFAULT session_user`);
  await knex.raw(`ALTER TABLE audit_scans ALTER COLUMN started_by SET DEFAULT session_user`);
  await knex.raw(`ALTER TABLE recovery_runs ALTER COLUMN actor SET DEFAULT session_user`);

  // Upgrade path: whoever held a cluster-wide role gets this database's role of the same rank.
  // The roles and every grant are made by applyPrivileges, which also runs after each migration.
  await applyPrivileges(knex);
  const roles = groupRoles((await currentDatabase(knex)).name);
  for (const role of ROLES) {
    const members = (await knex.raw(
      `SELECT m.rolname AS member FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
       JOIN pg_roles m ON m.oid = am.member WHERE g.rolname = ? AND NOT m.rolname = ANY(?)`,
      [LEGACY_GROUP_ROLES[role], Object.values(LEGACY_GROUP_ROLES)],
    )) as { rows: Array<{ member: string }> };
    for (const { member } of members.rows) await knex.raw('GRANT ?? TO ??', [roles[role], member]);
  }
}

export async function down(): Promise<void> {
  // The keyed chain, the per-database roles and the revoked privileges are a one-way step: going
  // back would mean handing write access to every login again. Restore a backup instead.
  throw new Error('Migration 20261202_100_write_api cannot be rolled back.');
}
