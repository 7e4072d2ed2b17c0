/**
 * pointkeeper_earn and pointkeeper_redeem as migration 20261202_100 made them, with the approval
 * gate added just before they write (same signatures, defaults and every other rule). Kept apart
 * from the migration only for length; migration 20261202_200_approvals runs them.
 */
const CREDIT_TYPES = `'earned', 'bonus', 'signup', 'first_order'`;
const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

export const APPROVAL_EARN = `
CREATE OR REPLACE FUNCTION pointkeeper_earn(p_user_id integer, p_points integer, p_description text,
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
  -- The one addition of migration 200: a change an approval policy covers passes only while
  -- pointkeeper_approval_approve executes its approved request.
  PERFORM pointkeeper__approval_inline('earn', p_user_id, p_points);
  r := pointkeeper__append(p_user_id, p_type, p_points, p_description, p_order_id, p_order_amount, NULL,
    p_idempotency_key);
  total := pointkeeper__move(locked, p_points);
  result := jsonb_build_object('success', true, 'pointsEarned', p_points, 'currentPoints', total,
    'transactionId', r.id, 'replayed', false, 'message',
    format('Successfully earned %s points! Your new total is %s points.', p_points, total));
  PERFORM pointkeeper__log('points.earn', input, result);
  RETURN result;
END $$`;

export const APPROVAL_REDEEM = `
CREATE OR REPLACE FUNCTION pointkeeper_redeem(p_user_id integer, p_points integer, p_description text,
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
  -- The one addition of migration 200 (after the balance check: a redeem that cannot be paid is
  -- refused as such, not sent for approval).
  PERFORM pointkeeper__approval_inline('redeem', p_user_id, p_points);
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
