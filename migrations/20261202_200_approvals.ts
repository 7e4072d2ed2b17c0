import type { Knex } from 'knex';
import { APPROVAL_EARN, APPROVAL_REDEEM } from './parts/20261202_200_gated_writes';
import { applyPrivileges } from './privileges';

/**
 * Four eyes on money (issue 17, part A). A change a policy covers takes effect only when a
 * different login with the policy's role approves it, exactly as previewed — enforced here, in
 * the database, so psql with a staff login is no way around it:
 *
 * - approval_policies: per kind, whether it is covered (above N points and/or N users; neither
 *   threshold set = every such change), who approves and how long a request lives.
 * - approval_requests: what was asked (the full preview as payload), its fingerprint (the state
 *   of the ledger it was previewed against), who, why, and what became of it. Staff only read it;
 *   only the definer functions below change it, and never its content.
 * - earn and redeem carry the gate themselves (pointkeeper__approval_inline); approving an
 *   earn/redeem request executes it in the approving transaction. Kinds applied elsewhere
 *   (grants, recovery apply, replace restore) consume an approved request through
 *   pointkeeper__approval_gate from their own definer functions.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;
const KINDS = `'earn', 'redeem', 'recovery.apply', 'restore.replace', 'grants.apply'`;
const CREDIT_TYPES = `'earned', 'bonus', 'signup', 'first_order'`;
// Role checks through EXECUTE rights the grants already give: the role names are per database
// (and renamed when a database is copied), the grants follow them.
const IS_ADMIN = `has_function_privilege(session_user, 'pointkeeper_policy_set(text, boolean, bigint, bigint, text, integer, text)', 'EXECUTE')`;
const IS_OPERATOR = `has_function_privilege(session_user, 'pointkeeper_earn(integer, integer, text, text, integer, numeric, text)', 'EXECUTE')`;

const TABLES = [
  `CREATE TABLE approval_policies (
     kind text PRIMARY KEY CHECK (kind IN (${KINDS})),
     enabled boolean NOT NULL DEFAULT false,
     points_above bigint CHECK (points_above >= 0),
     users_above bigint CHECK (users_above >= 0),
     approver_role text NOT NULL DEFAULT 'admin' CHECK (approver_role IN ('operator', 'admin')),
     expires_hours integer NOT NULL DEFAULT 72 CHECK (expires_hours BETWEEN 1 AND 720),
     updated_by text NOT NULL DEFAULT session_user,
     updated_at timestamptz NOT NULL DEFAULT now())`,
  `INSERT INTO approval_policies (kind, updated_by) VALUES
     ('earn', 'migration'), ('redeem', 'migration'), ('recovery.apply', 'migration'),
     ('restore.replace', 'migration'), ('grants.apply', 'migration')`,
  `CREATE TABLE approval_requests (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     kind text NOT NULL REFERENCES approval_policies (kind),
     payload jsonb NOT NULL,
     fingerprint text NOT NULL,
     points bigint NOT NULL DEFAULT 0,
     users bigint NOT NULL DEFAULT 0,
     approver_role text NOT NULL CHECK (approver_role IN ('operator', 'admin')),
     requested_by text NOT NULL DEFAULT session_user,
     reason text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     state text NOT NULL DEFAULT 'pending'
       CHECK (state IN ('pending', 'approved', 'applied', 'denied', 'expired', 'stale', 'cancelled')),
     decided_by text,
     decided_at timestamptz,
     decision_reason text,
     applied_by text,
     applied_at timestamptz,
     -- Set only by pointkeeper_approval_approve for the transaction executing an earn/redeem:
     -- the inline gate's proof that "this write is approved request X", unforgeable from psql.
     executing_txid bigint,
     result jsonb)`,
  `CREATE INDEX approval_requests_state ON approval_requests (state, created_at DESC)`,
  `CREATE INDEX approval_requests_ref ON approval_requests (kind, (payload->>'ref')) WHERE state = 'approved'`,
  // What was asked never changes and no request disappears, even for the owner's own functions.
  `CREATE FUNCTION pointkeeper__approval_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' THEN
       RAISE EXCEPTION 'Approval requests are kept; none can be removed.' USING ERRCODE = 'PK403';
     END IF;
     IF (NEW.id, NEW.kind, NEW.payload, NEW.fingerprint, NEW.points, NEW.users, NEW.requested_by, NEW.reason,
         NEW.created_at, NEW.expires_at, NEW.approver_role)
        IS DISTINCT FROM
        (OLD.id, OLD.kind, OLD.payload, OLD.fingerprint, OLD.points, OLD.users, OLD.requested_by, OLD.reason,
         OLD.created_at, OLD.expires_at, OLD.approver_role) THEN
       RAISE EXCEPTION 'What an approval request asks cannot change.' USING ERRCODE = 'PK403';
     END IF;
     IF OLD.state NOT IN ('pending', 'approved') THEN
       RAISE EXCEPTION 'Approval request % is % for good.', OLD.id, OLD.state USING ERRCODE = 'PK409';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER approval_requests_frozen BEFORE UPDATE OR DELETE ON approval_requests
     FOR EACH ROW EXECUTE FUNCTION pointkeeper__approval_frozen()`,
];

const INTERNAL = [
  // The enabled policy that covers a change of this size, or no row.
  `CREATE FUNCTION pointkeeper__approval_policy(p_kind text, p_points bigint, p_users bigint)
   RETURNS approval_policies LANGUAGE sql STABLE AS $$
     SELECT * FROM approval_policies p WHERE p.kind = p_kind AND p.enabled
       AND ((p.points_above IS NULL AND p.users_above IS NULL)
            OR coalesce(p_points, 0) > p.points_above OR coalesce(p_users, 0) > p.users_above) $$`,

  // The state of the ledger a request was previewed against, for kinds the database can compute
  // alone: an earn/redeem's user — their balance and their last transaction. NULL for kinds whose
  // applier computes it (the gate then compares what the applier passes).
  `CREATE FUNCTION pointkeeper__approval_fingerprint(p_kind text, p_payload jsonb) RETURNS text
   LANGUAGE sql STABLE AS $$
     SELECT CASE WHEN p_kind IN ('earn', 'redeem') THEN
       'user ' || (p_payload->>'userId') || ' balance ' ||
       coalesce((SELECT up.points::text FROM user_points up WHERE up.user_id = (p_payload->>'userId')::integer), 'none')
       || ' last ' ||
       coalesce((SELECT max(t.id)::text FROM points_transactions t WHERE t.user_id = (p_payload->>'userId')::integer), 'none')
     END $$`,

  `CREATE FUNCTION pointkeeper__approval_needed(p_policy approval_policies, p_kind text, p_points bigint,
     p_users bigint) RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'This % needs approval (policy: %): request it, and another login with the % role approves it.',
       p_kind,
       CASE WHEN p_policy.points_above IS NULL AND p_policy.users_above IS NULL THEN 'every ' || p_kind
            ELSE concat_ws(' or ',
              CASE WHEN p_policy.points_above IS NOT NULL THEN 'above ' || pointkeeper__fmt(p_policy.points_above) || ' points' END,
              CASE WHEN p_policy.users_above IS NOT NULL THEN 'above ' || pointkeeper__fmt(p_policy.users_above) || ' users' END)
       END, p_policy.approver_role
       USING ERRCODE = 'PK403', DETAIL = jsonb_build_object('approvalRequired', true, 'kind', p_kind,
         'points', p_points, 'users', p_users, 'pointsAbove', p_policy.points_above,
         'usersAbove', p_policy.users_above, 'approverRole', p_policy.approver_role)::text;
   END $$`,

  // The gate earn and redeem call before they write: a covered change passes only when
  // pointkeeper_approval_approve is executing the matching approved request in this very
  // transaction (executing_txid, which no staff login can set).
  `CREATE FUNCTION pointkeeper__approval_inline(p_kind text, p_user_id integer, p_points integer)
   RETURNS void LANGUAGE plpgsql AS $$
   DECLARE policy approval_policies;
   BEGIN
     policy := pointkeeper__approval_policy(p_kind, p_points, 1);
     IF policy.kind IS NULL THEN RETURN; END IF;
     PERFORM 1 FROM approval_requests r WHERE r.kind = p_kind AND r.state = 'approved'
       AND r.executing_txid = txid_current() AND (r.payload->>'userId')::integer = p_user_id
       AND (r.payload->>'points')::integer = p_points;
     IF NOT FOUND THEN PERFORM pointkeeper__approval_needed(policy, p_kind, p_points, 1); END IF;
   END $$`,

  /*
   * pointkeeper__approval_gate — the gate for kinds applied outside the approving transaction
   * (grants.apply, recovery.apply, restore.replace). Call it from the definer function that
   * applies the change, once, in the transaction that starts applying it, BEFORE writing:
   *
   *   p_kind         one of approval_policies.kind
   *   p_ref          the applier's id for the change (a grant run id, a recovery run id, a restore
   *                  id) — the request was made with payload->>'ref' = this
   *   p_fingerprint  the fingerprint of the change as it would be applied NOW, computed by the
   *                  applier the same way it was computed for the request's payload->>'fingerprint'
   *   p_points, p_users  the size of the change, to find the policy that covers it
   *
   * Returns NULL when no enabled policy covers (kind, points, users): apply freely. Otherwise it
   * returns the id of the request it consumes: the latest APPROVED request of that kind for that
   * ref, not expired, whose fingerprint equals p_fingerprint, approved by a login other than its
   * requester (enforced when approving), and applied by its requester or its approver (session_user).
   * That request becomes 'applied' (applied_by, applied_at) and the operations log records
   * 'approvals.apply' — so it can never be used twice. Anything else raises and nothing changes:
   * PK403 "needs approval" (DETAIL jsonb with approvalRequired) when there is no approved request,
   * PK403 when it expired or session_user may not apply it, PK409 when the fingerprint differs
   * (the ledger moved since the preview: preview and request again).
   * Resuming a run after a crash is the applier's business: it records the returned id with its run.
   */
  `CREATE FUNCTION pointkeeper__approval_gate(p_kind text, p_ref text, p_fingerprint text, p_points bigint,
     p_users bigint) RETURNS uuid LANGUAGE plpgsql AS $$
   DECLARE policy approval_policies; req approval_requests;
   BEGIN
     policy := pointkeeper__approval_policy(p_kind, p_points, p_users);
     IF policy.kind IS NULL THEN RETURN NULL; END IF;
     SELECT * INTO req FROM approval_requests r WHERE r.kind = p_kind AND r.payload->>'ref' = p_ref
       AND r.state = 'approved' ORDER BY r.decided_at DESC LIMIT 1 FOR UPDATE;
     IF NOT FOUND THEN
       PERFORM 1 FROM approval_requests r WHERE r.kind = p_kind AND r.payload->>'ref' = p_ref AND r.state = 'pending';
       IF FOUND THEN
         RAISE EXCEPTION 'This % needs approval: its request is still waiting for a decision.', p_kind
           USING ERRCODE = 'PK403', DETAIL = jsonb_build_object('approvalRequired', true, 'kind', p_kind, 'pending', true)::text;
       END IF;
       PERFORM pointkeeper__approval_needed(policy, p_kind, p_points, p_users);
     END IF;
     IF req.expires_at <= now() THEN
       RAISE EXCEPTION 'Approval request % expired at %; request it again.', req.id, req.expires_at USING ERRCODE = 'PK403';
     END IF;
     IF req.fingerprint IS DISTINCT FROM p_fingerprint THEN
       RAISE EXCEPTION 'Approval request % was approved for another state of the ledger (it moved since the preview): preview and request again.',
         req.id USING ERRCODE = 'PK409';
     END IF;
     IF req.decided_by IS NULL OR req.decided_by = req.requested_by THEN
       RAISE EXCEPTION 'Approval request % was not approved by a second login.', req.id USING ERRCODE = 'PK403';
     END IF;
     IF session_user NOT IN (req.requested_by, req.decided_by) THEN
       RAISE EXCEPTION 'Approval request % is applied by its requester (%) or its approver (%), not %.',
         req.id, req.requested_by, req.decided_by, session_user USING ERRCODE = 'PK403';
     END IF;
     UPDATE approval_requests SET state = 'applied', applied_by = session_user, applied_at = now() WHERE id = req.id;
     PERFORM pointkeeper__log('approvals.apply', jsonb_build_object('id', req.id, 'kind', p_kind, 'ref', p_ref),
       jsonb_build_object('state', 'applied'));
     RETURN req.id;
   END $$`,
];

/** Checks an earn/redeem request's payload as the functions will, and returns it normalised. */
const NORMALISE = `
CREATE FUNCTION pointkeeper__approval_payload(p_kind text, p_payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE user_id integer; pts integer; kind_type text; out jsonb;
BEGIN
  IF jsonb_typeof(p_payload) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'A request''s payload is a JSON object.' USING ERRCODE = 'PK422';
  END IF;
  IF p_kind NOT IN ('earn', 'redeem') THEN
    IF jsonb_typeof(p_payload->'ref') IS DISTINCT FROM 'string' OR length(p_payload->>'ref') NOT BETWEEN 1 AND 200 THEN
      RAISE EXCEPTION 'A % request names what it applies (payload.ref, 1 to 200 characters).', p_kind USING ERRCODE = 'PK422';
    END IF;
    IF jsonb_typeof(p_payload->'fingerprint') IS DISTINCT FROM 'string' THEN
      RAISE EXCEPTION 'A % request carries the fingerprint of its preview (payload.fingerprint).', p_kind USING ERRCODE = 'PK422';
    END IF;
    IF octet_length(p_payload::text) > 4000000 THEN
      RAISE EXCEPTION 'A request''s preview is at most 4 MB.' USING ERRCODE = 'PK422';
    END IF;
    RETURN p_payload;
  END IF;
  IF jsonb_typeof(p_payload->'userId') IS DISTINCT FROM 'number' OR jsonb_typeof(p_payload->'points') IS DISTINCT FROM 'number' THEN
    RAISE EXCEPTION 'An % request names userId and points as numbers.', p_kind USING ERRCODE = 'PK422';
  END IF;
  IF (p_payload->>'points') !~ '^[0-9]{1,9}$' OR (p_payload->>'userId') !~ '^[0-9]{1,9}$' THEN
    RAISE EXCEPTION 'userId and points are whole numbers.' USING ERRCODE = 'PK422';
  END IF;
  user_id := (p_payload->>'userId')::integer; pts := (p_payload->>'points')::integer;
  PERFORM pointkeeper__check_points(pts);
  PERFORM pointkeeper__check_text('description', p_payload->>'description', 1, 500);
  PERFORM 1 FROM users WHERE id = user_id;
  IF NOT FOUND THEN RAISE EXCEPTION 'User % was not found.', user_id USING ERRCODE = 'PK404'; END IF;
  IF p_kind = 'earn' THEN
    kind_type := coalesce(p_payload->>'type', 'earned');
    IF kind_type NOT IN (${CREDIT_TYPES}) THEN
      RAISE EXCEPTION 'type must be one of earned, bonus, signup, first_order.' USING ERRCODE = 'PK422';
    END IF;
    out := jsonb_build_object('userId', user_id, 'points', pts, 'description', p_payload->>'description',
      'type', kind_type, 'orderId', (p_payload->>'orderId')::integer, 'orderAmount', (p_payload->>'orderAmount')::numeric,
      'idempotencyKey', p_payload->>'idempotencyKey');
  ELSE
    out := jsonb_build_object('userId', user_id, 'points', pts, 'description', p_payload->>'description',
      'rewardId', (p_payload->>'rewardId')::integer, 'idempotencyKey', p_payload->>'idempotencyKey');
  END IF;
  RETURN jsonb_strip_nulls(out) || jsonb_build_object('ref', 'user:' || user_id);
END $$`;

const REQUEST = `
CREATE FUNCTION pointkeeper_approval_request(p_kind text, p_payload jsonb, p_reason text) RETURNS jsonb
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE payload jsonb; policy approval_policies; req approval_requests; pts bigint; n bigint;
BEGIN
  IF p_kind IS NULL OR p_kind NOT IN (${KINDS}) THEN
    RAISE EXCEPTION 'An approval request is for one of: earn, redeem, recovery.apply, restore.replace, grants.apply.'
      USING ERRCODE = 'PK422';
  END IF;
  PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
  IF p_kind IN ('recovery.apply', 'restore.replace') AND NOT ${IS_ADMIN} THEN
    RAISE EXCEPTION 'Only an admin may request a %.', p_kind USING ERRCODE = 'PK403';
  END IF;
  payload := pointkeeper__approval_payload(p_kind, p_payload);
  IF p_kind IN ('earn', 'redeem') THEN
    pts := (payload->>'points')::bigint; n := 1;
  ELSE
    pts := CASE WHEN (payload->>'points') ~ '^[0-9]{1,15}$' THEN (payload->>'points')::bigint ELSE 0 END;
    n := CASE WHEN (payload->>'users') ~ '^[0-9]{1,15}$' THEN (payload->>'users')::bigint ELSE 0 END;
  END IF;
  policy := pointkeeper__approval_policy(p_kind, pts, n);
  IF policy.kind IS NULL THEN
    RAISE EXCEPTION 'No approval policy covers this %: apply it directly.', p_kind USING ERRCODE = 'PK422';
  END IF;
  INSERT INTO approval_requests (kind, payload, fingerprint, points, users, approver_role, requested_by, reason,
    created_at, expires_at)
  VALUES (p_kind, payload, coalesce(pointkeeper__approval_fingerprint(p_kind, payload), payload->>'fingerprint'),
    pts, n, policy.approver_role, session_user, p_reason, now(), now() + policy.expires_hours * interval '1 hour')
  RETURNING * INTO req;
  PERFORM pointkeeper__log('approvals.request',
    jsonb_build_object('kind', p_kind, 'payload', payload, 'reason', p_reason),
    jsonb_build_object('id', req.id, 'state', req.state, 'expiresAt', req.expires_at));
  RETURN to_jsonb(req) - 'executing_txid';
END $$`;

const APPROVE = `
CREATE FUNCTION pointkeeper_approval_approve(p_id uuid, p_reason text) RETURNS jsonb
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE req approval_requests; p jsonb; outcome jsonb; now_print text;
BEGIN
  PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
  SELECT * INTO req FROM approval_requests WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'Approval request % was not found.', p_id USING ERRCODE = 'PK404'; END IF;
  IF req.state <> 'pending' THEN
    RAISE EXCEPTION 'Approval request % is % and cannot be approved.', p_id, req.state USING ERRCODE = 'PK409';
  END IF;
  IF req.requested_by = session_user THEN
    RAISE EXCEPTION 'You requested this change: another login must approve it.' USING ERRCODE = 'PK403';
  END IF;
  IF NOT (CASE req.approver_role WHEN 'admin' THEN ${IS_ADMIN} ELSE ${IS_OPERATOR} END) THEN
    RAISE EXCEPTION 'Approving this % needs the % role.', req.kind, req.approver_role USING ERRCODE = 'PK403';
  END IF;
  -- Refusals that end the request are returned, not raised: raising would undo the new state.
  IF req.expires_at <= now() THEN
    UPDATE approval_requests SET state = 'expired', decided_by = session_user, decided_at = now(),
      decision_reason = 'expired before approval' WHERE id = p_id;
    outcome := jsonb_build_object('id', p_id, 'state', 'expired', 'applied', false,
      'message', format('Approval request %s expired at %s; nothing was applied. Request it again.', p_id, req.expires_at));
    PERFORM pointkeeper__log('approvals.approve', jsonb_build_object('id', p_id, 'reason', p_reason), outcome);
    RETURN outcome;
  END IF;
  now_print := pointkeeper__approval_fingerprint(req.kind, req.payload);
  IF now_print IS NOT NULL AND now_print IS DISTINCT FROM req.fingerprint THEN
    UPDATE approval_requests SET state = 'stale', decided_by = session_user, decided_at = now(),
      decision_reason = 'the ledger moved since the preview' WHERE id = p_id;
    outcome := jsonb_build_object('id', p_id, 'state', 'stale', 'applied', false,
      'message', format('The ledger moved since request %s was previewed (%s, now %s); nothing was applied. Preview and request again.',
        p_id, req.fingerprint, now_print));
    PERFORM pointkeeper__log('approvals.approve', jsonb_build_object('id', p_id, 'reason', p_reason), outcome);
    RETURN outcome;
  END IF;
  UPDATE approval_requests SET state = 'approved', decided_by = session_user, decided_at = now(),
    decision_reason = p_reason, executing_txid = CASE WHEN req.kind IN ('earn', 'redeem') THEN txid_current() END
  WHERE id = p_id;
  IF req.kind IN ('earn', 'redeem') THEN
    p := req.payload;
    IF req.kind = 'earn' THEN
      outcome := pointkeeper_earn((p->>'userId')::integer, (p->>'points')::integer, p->>'description',
        coalesce(p->>'type', 'earned'), (p->>'orderId')::integer, (p->>'orderAmount')::numeric, p->>'idempotencyKey');
    ELSE
      outcome := pointkeeper_redeem((p->>'userId')::integer, (p->>'points')::integer, p->>'description',
        (p->>'rewardId')::integer, p->>'idempotencyKey');
    END IF;
    UPDATE approval_requests SET state = 'applied', applied_by = session_user, applied_at = now(),
      executing_txid = NULL, result = outcome WHERE id = p_id;
    outcome := jsonb_build_object('id', p_id, 'state', 'applied', 'applied', true, 'result', outcome,
      'message', format('Approved and applied: %s', outcome->>'message'));
  ELSE
    outcome := jsonb_build_object('id', p_id, 'state', 'approved', 'applied', false,
      'message', format('Approved: the %s can now be applied by %s or you, until %s.', req.kind, req.requested_by, req.expires_at));
  END IF;
  PERFORM pointkeeper__log('approvals.approve', jsonb_build_object('id', p_id, 'kind', req.kind, 'reason', p_reason), outcome);
  RETURN outcome;
END $$`;

const DECIDE = [
  `CREATE FUNCTION pointkeeper_approval_deny(p_id uuid, p_reason text) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE req approval_requests; outcome jsonb;
   BEGIN
     PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
     SELECT * INTO req FROM approval_requests WHERE id = p_id FOR UPDATE;
     IF NOT FOUND THEN RAISE EXCEPTION 'Approval request % was not found.', p_id USING ERRCODE = 'PK404'; END IF;
     IF req.state NOT IN ('pending', 'approved') THEN
       RAISE EXCEPTION 'Approval request % is % and cannot be denied.', p_id, req.state USING ERRCODE = 'PK409';
     END IF;
     IF req.requested_by = session_user THEN
       RAISE EXCEPTION 'You requested this change: cancel it instead of denying it.' USING ERRCODE = 'PK403';
     END IF;
     IF NOT (CASE req.approver_role WHEN 'admin' THEN ${IS_ADMIN} ELSE ${IS_OPERATOR} END) THEN
       RAISE EXCEPTION 'Denying this % needs the % role.', req.kind, req.approver_role USING ERRCODE = 'PK403';
     END IF;
     UPDATE approval_requests SET state = 'denied', decided_by = session_user, decided_at = now(),
       decision_reason = p_reason, executing_txid = NULL WHERE id = p_id;
     outcome := jsonb_build_object('id', p_id, 'state', 'denied', 'applied', false,
       'message', format('Denied approval request %s.', p_id));
     PERFORM pointkeeper__log('approvals.deny', jsonb_build_object('id', p_id, 'kind', req.kind, 'reason', p_reason), outcome);
     RETURN outcome;
   END $$`,

  `CREATE FUNCTION pointkeeper_approval_cancel(p_id uuid, p_reason text) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE req approval_requests; outcome jsonb;
   BEGIN
     PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
     SELECT * INTO req FROM approval_requests WHERE id = p_id FOR UPDATE;
     IF NOT FOUND THEN RAISE EXCEPTION 'Approval request % was not found.', p_id USING ERRCODE = 'PK404'; END IF;
     IF req.requested_by <> session_user THEN
       RAISE EXCEPTION 'Only its requester (%) may cancel approval request %.', req.requested_by, p_id USING ERRCODE = 'PK403';
     END IF;
     IF req.state NOT IN ('pending', 'approved') THEN
       RAISE EXCEPTION 'Approval request % is % and cannot be cancelled.', p_id, req.state USING ERRCODE = 'PK409';
     END IF;
     UPDATE approval_requests SET state = 'cancelled', decided_by = session_user, decided_at = now(),
       decision_reason = p_reason, executing_txid = NULL WHERE id = p_id;
     outcome := jsonb_build_object('id', p_id, 'state', 'cancelled', 'applied', false,
       'message', format('Cancelled approval request %s.', p_id));
     PERFORM pointkeeper__log('approvals.cancel', jsonb_build_object('id', p_id, 'kind', req.kind, 'reason', p_reason), outcome);
     RETURN outcome;
   END $$`,

  `CREATE FUNCTION pointkeeper_policy_set(p_kind text, p_enabled boolean, p_points_above bigint, p_users_above bigint,
     p_approver_role text, p_expires_hours integer, p_reason text) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE before approval_policies; after approval_policies;
   BEGIN
     PERFORM pointkeeper__check_text('reason', p_reason, 3, 500);
     SELECT * INTO before FROM approval_policies WHERE kind = p_kind FOR UPDATE;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'There is no approval policy for %; the kinds are earn, redeem, recovery.apply, restore.replace, grants.apply.',
         coalesce(p_kind, 'nothing') USING ERRCODE = 'PK422';
     END IF;
     IF p_enabled IS NULL THEN RAISE EXCEPTION 'enabled is true or false.' USING ERRCODE = 'PK422'; END IF;
     IF p_points_above < 0 OR p_users_above < 0 THEN
       RAISE EXCEPTION 'Thresholds are whole numbers from 0.' USING ERRCODE = 'PK422';
     END IF;
     IF p_kind IN ('earn', 'redeem') AND p_users_above IS NOT NULL THEN
       RAISE EXCEPTION 'An % touches one user: its policy has a points threshold only.', p_kind USING ERRCODE = 'PK422';
     END IF;
     IF coalesce(p_approver_role, 'admin') NOT IN ('operator', 'admin') THEN
       RAISE EXCEPTION 'The approver role is operator or admin.' USING ERRCODE = 'PK422';
     END IF;
     IF coalesce(p_expires_hours, 72) NOT BETWEEN 1 AND 720 THEN
       RAISE EXCEPTION 'A request lives 1 to 720 hours.' USING ERRCODE = 'PK422';
     END IF;
     UPDATE approval_policies SET enabled = p_enabled, points_above = p_points_above, users_above = p_users_above,
       approver_role = coalesce(p_approver_role, 'admin'), expires_hours = coalesce(p_expires_hours, 72),
       updated_by = session_user, updated_at = now()
     WHERE kind = p_kind RETURNING * INTO after;
     PERFORM pointkeeper__log('policies.set', jsonb_build_object('kind', p_kind, 'reason', p_reason, 'before', to_jsonb(before)),
       to_jsonb(after));
     RETURN to_jsonb(after);
   END $$`,
];

/** The hand-written log entries may not claim to be any of the approvals' own entries either. */
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
  IF p_outcome = 'ok' AND p_action IN ('points.earn', 'points.redeem', 'points.reverse', 'backup.restore.write',
                                       'recovery.chunk', 'recovery.resolve', 'approvals.request', 'approvals.approve',
                                       'approvals.deny', 'approvals.cancel', 'approvals.apply', 'policies.set') THEN
    RAISE EXCEPTION 'The database records a successful % itself; it cannot be logged by hand.', p_action
      USING ERRCODE = 'PK403';
  END IF;
  INSERT INTO operations_log (at, actor, action, input, outcome, error_code, result)
  VALUES (now(), session_user, p_action, coalesce(p_input, '{}'::jsonb), p_outcome, p_error_code, p_result)
  RETURNING id INTO new_id;
  RETURN new_id;
END $$`;

export async function up(knex: Knex): Promise<void> {
  for (const sql of [...TABLES, ...INTERNAL, NORMALISE]) await knex.raw(sql);
  // earn/redeem first: the approve function calls them; policy_set before the checks naming it.
  await knex.raw(APPROVAL_EARN);
  await knex.raw(APPROVAL_REDEEM);
  for (const sql of [...DECIDE, REQUEST, APPROVE, LOG_OPERATION]) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(): Promise<void> {
  throw new Error(
    'Migration 20261202_200_approvals cannot be rolled back: requests and their decisions are kept.',
  );
}
