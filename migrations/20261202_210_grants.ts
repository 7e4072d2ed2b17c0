import type { Knex } from 'knex';
import { applyPrivileges } from './privileges';

/**
 * Bulk point grants from a CSV file (issue 17, part B; README "Bulk grants").
 *
 * The console parses the file and COPYs its rows, still as text, into a temporary table of the
 * session (pg_temp.pk_grant_stage). Everything below judges those rows in SQL, set-based, so the
 * rules are the database's own and a 100,000-row file is checked in a few statements:
 *
 * - pointkeeper_grants_problems: every row's problems with its line (read-only, invoker's rights);
 * - pointkeeper_grants_stage: refuses any file with a problem, else keeps its rows in grant_rows
 *   (owned by the ledger, so an import survives the session that staged it);
 * - pointkeeper_grants_start / _apply / _finish: apply in chunks, each one transaction of a few
 *   INSERT … SELECT / UPDATE … FROM statements that compute the keyed chain per user the way the
 *   restore re-seal does (pointkeeper_hmac_chain over a window), move user_points and
 *   users.rewards by each user's delta, and mark each row's outcome. A row's idempotency key goes
 *   into points_transactions.idempotency_key (unique), so a chunk killed halfway rolls back whole
 *   and a re-run never writes a row twice.
 *
 * The file writes debits as type `redeemed` with positive points (like the redeem call); a
 * negative number is refused with that hint. No row may take a balance below zero: checked
 * against the balance now plus the file's earlier rows for the same user, and again under the
 * users' locks when its chunk applies.
 */
const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;
const TYPES = `'earned', 'bonus', 'signup', 'first_order', 'redeemed'`;
const CREDIT_TYPES = `'earned', 'bonus', 'signup', 'first_order'`;
const MAX_CHUNK = 50_000;

const TABLES = [
  `CREATE TABLE grant_imports (
     id uuid PRIMARY KEY,
     file_name text NOT NULL,
     file_sha256 text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
     rows integer NOT NULL CHECK (rows >= 0),
     users integer NOT NULL,
     points_credited bigint NOT NULL,
     points_debited bigint NOT NULL,
     status text NOT NULL DEFAULT 'staged'
       CHECK (status IN ('staged', 'applying', 'cancelled', 'failed', 'done')),
     rows_applied integer NOT NULL DEFAULT 0,
     rows_replayed integer NOT NULL DEFAULT 0,
     rows_refused integer NOT NULL DEFAULT 0,
     approval_request_id uuid,
     created_by text NOT NULL DEFAULT session_user,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz
   )`,
  `CREATE TABLE grant_rows (
     import_id uuid NOT NULL REFERENCES grant_imports (id),
     line integer NOT NULL,
     user_id integer NOT NULL REFERENCES users (id),
     type text NOT NULL,
     -- Signed as in the log: a redeemed row is negative here.
     points integer NOT NULL,
     description text NOT NULL,
     order_id integer,
     key text NOT NULL,
     outcome text CHECK (outcome IN ('applied', 'replayed', 'refused')),
     transaction_id integer,
     reason text,
     PRIMARY KEY (import_id, line)
   )`,
  // The rows still to apply, in line order: a chunk reads its rows from here.
  `CREATE INDEX grant_rows_pending_idx ON grant_rows (import_id, line) WHERE outcome IS NULL`,
];

/**
 * The row checks (invoker's rights: the staff login reads what it may read anyway, so it uses
 * no owner-only helper), one SELECT of (line, problem) per rule over the staged text. The stage's user
 * column is resolved once (id or email); balances are the user_points row, or the log without one.
 */
const PROBLEMS = `
CREATE FUNCTION pointkeeper_grants_problems(p_limit integer DEFAULT 1000)
RETURNS TABLE (line integer, problem text) LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH s AS (
    SELECT g.line, g.user_ref, g.points_text, g.description, coalesce(nullif(g.type, ''), 'earned') AS type,
           nullif(g.order_ref, '') AS order_ref, g.key,
           CASE WHEN g.user_ref ~ '^[0-9]{1,9}$' THEN (SELECT u.id FROM users u WHERE u.id = g.user_ref::integer)
                ELSE (SELECT u.id FROM users u WHERE lower(u.email) = lower(g.user_ref)) END AS user_id,
           CASE WHEN g.points_text ~ '^-{0,1}[0-9]{1,9}$' THEN g.points_text::integer END AS points,
           CASE WHEN g.order_ref ~ '^[0-9]{1,9}$' THEN g.order_ref::integer END AS order_id
    FROM pg_temp.pk_grant_stage g
  ),
  checked AS (
    SELECT s.line, 1 AS rank, CASE
        WHEN s.user_ref = '' THEN 'user is empty: give a user id or an email'
        WHEN s.user_ref ~ '^[0-9]{1,9}$' THEN format('no user has id %s', s.user_ref)
        ELSE format('no user has the email %s', left(s.user_ref, 100)) END AS problem
    FROM s WHERE s.user_id IS NULL
    UNION ALL
    SELECT s.line, 2, CASE
        WHEN s.points_text = '' THEN 'points is empty'
        WHEN s.points IS NULL THEN format('points must be a whole number from 1 to 10,000 (got "%s")', left(s.points_text, 40))
        WHEN s.points < 0 THEN format('points must be from 1 to 10,000 (got %s): write a debit as type redeemed with positive points', s.points)
        ELSE format('points must be from 1 to 10,000 (got %s)', s.points) END
    FROM s WHERE s.points IS NULL OR s.points < 1 OR s.points > 10000
    UNION ALL
    SELECT s.line, 3, format('type must be one of earned, bonus, signup, first_order, redeemed (got "%s")', left(s.type, 40))
    FROM s WHERE s.type NOT IN (${TYPES})
    UNION ALL
    SELECT s.line, 4, CASE
        WHEN length(s.description) = 0 THEN 'description is empty'
        WHEN length(s.description) > 500 THEN format('description must be at most 500 characters (has %s)', length(s.description))
        WHEN s.description <> btrim(s.description) THEN 'description must not start or end with spaces'
        ELSE 'description must not contain control characters' END
    FROM s WHERE length(s.description) = 0 OR length(s.description) > 500 OR s.description <> btrim(s.description)
      OR s.description ~ '[[:cntrl:]]'
    UNION ALL
    SELECT s.line, 5, CASE
        WHEN s.order_ref !~ '^[0-9]{1,9}$' THEN format('order id must be a whole number (got "%s")', left(s.order_ref, 40))
        WHEN s.type NOT IN (${CREDIT_TYPES}) THEN 'a redeemed row cannot name an order'
        WHEN o.id IS NULL THEN format('order %s was not found', s.order_ref)
        ELSE format('order %s belongs to another user', s.order_ref) END
    FROM s LEFT JOIN orders o ON o.id = s.order_id
    WHERE s.order_ref IS NOT NULL AND (o.id IS NULL OR s.type NOT IN (${CREDIT_TYPES})
      OR (s.user_id IS NOT NULL AND o.user_id <> s.user_id))
    UNION ALL
    SELECT s.line, 6, CASE
        WHEN length(s.key) = 0 THEN 'key is empty'
        WHEN length(s.key) > 200 THEN 'key must be at most 200 characters'
        ELSE 'key must not contain control characters or spaces' END
    FROM s WHERE length(s.key) = 0 OR length(s.key) > 200 OR s.key ~ '[[:cntrl:][:space:]]'
    UNION ALL
    SELECT d.line, 7, format('key %s is also on line %s', left(d.key, 60), d.first)
    FROM (SELECT s.line, s.key, min(s.line) OVER (PARTITION BY s.key) AS first FROM s) d WHERE d.line <> d.first
    UNION ALL
    SELECT s.line, 8, format('key %s was already used by transaction %s for something else', left(s.key, 60), p.id)
    FROM s JOIN points_transactions p ON p.idempotency_key = s.key
    WHERE NOT (p.user_id IS NOT DISTINCT FROM s.user_id AND p.type = s.type
      AND p.points = CASE WHEN s.type = 'redeemed' THEN -s.points ELSE s.points END
      AND p.description = s.description AND p.order_id IS NOT DISTINCT FROM s.order_id)
    UNION ALL
    -- Rows whose key is already in the log replay and move nothing; the rest run in line order.
    SELECT r.line, 9, format('would take user %s''s balance below zero (%s before this row, it takes %s)',
        r.user_id, to_char(r.running - r.delta, 'FM999,999,999,990'), to_char(-r.delta, 'FM999,999,999,990'))
    FROM (
      SELECT s.line, s.user_id, CASE WHEN s.type = 'redeemed' THEN -s.points ELSE s.points END AS delta,
             coalesce(up.points, (SELECT sum(p.points) FROM points_transactions p WHERE p.user_id = s.user_id), 0)
               + sum(CASE WHEN s.type = 'redeemed' THEN -s.points ELSE s.points END)
                   OVER (PARTITION BY s.user_id ORDER BY s.line) AS running
      FROM s LEFT JOIN user_points up ON up.user_id = s.user_id
      WHERE s.user_id IS NOT NULL AND s.points BETWEEN 1 AND 10000 AND s.type IN (${TYPES})
        AND NOT EXISTS (SELECT 1 FROM points_transactions p WHERE p.idempotency_key = s.key)
    ) r
    WHERE r.delta < 0 AND r.running < 0
  )
  SELECT c.line, c.problem FROM checked c ORDER BY c.line, c.rank LIMIT p_limit;
END $$`;

/** Keeps a problem-free stage as an import; any problem refuses the whole file. */
const STAGE = `
CREATE FUNCTION pointkeeper_grants_stage(p_import_id uuid, p_file_name text, p_sha256 text)
RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE bad record; n integer; result jsonb;
BEGIN
  PERFORM pointkeeper__check_text('file name', p_file_name, 1, 255);
  IF p_import_id IS NULL THEN RAISE EXCEPTION 'An import needs an id.' USING ERRCODE = 'PK422'; END IF;
  SELECT count(*) INTO n FROM pointkeeper_grants_problems(1000000);
  IF n > 0 THEN
    SELECT * INTO bad FROM pointkeeper_grants_problems(1);
    RAISE EXCEPTION 'The file has % problem(s), the first on line %: %. Nothing was staged.', n, bad.line, bad.problem
      USING ERRCODE = 'PK422';
  END IF;
  INSERT INTO grant_imports (id, file_name, file_sha256, rows, users, points_credited, points_debited)
  SELECT p_import_id, p_file_name, p_sha256, 0, 0, 0, 0;
  INSERT INTO grant_rows (import_id, line, user_id, type, points, description, order_id, key)
  SELECT p_import_id, g.line,
         CASE WHEN g.user_ref ~ '^[0-9]{1,9}$' THEN g.user_ref::integer
              ELSE (SELECT u.id FROM users u WHERE lower(u.email) = lower(g.user_ref)) END,
         coalesce(nullif(g.type, ''), 'earned'),
         CASE WHEN g.type = 'redeemed' THEN -g.points_text::integer ELSE g.points_text::integer END,
         g.description, nullif(g.order_ref, '')::integer, g.key
  FROM pg_temp.pk_grant_stage g;
  UPDATE grant_imports i SET rows = t.rows, users = t.users, points_credited = t.credited, points_debited = t.debited
  FROM (SELECT count(*)::integer AS rows, count(DISTINCT user_id)::integer AS users,
               coalesce(sum(points) FILTER (WHERE points > 0), 0) AS credited,
               coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS debited
        FROM grant_rows WHERE import_id = p_import_id) t
  WHERE i.id = p_import_id
  RETURNING jsonb_build_object('importId', i.id, 'rows', i.rows, 'users', i.users,
    'pointsCredited', i.points_credited, 'pointsDebited', i.points_debited) INTO result;
  IF (result->>'rows')::integer = 0 THEN
    RAISE EXCEPTION 'The file has no rows to grant.' USING ERRCODE = 'PK422';
  END IF;
  PERFORM pointkeeper__log('grants.stage', jsonb_build_object('importId', p_import_id, 'fileName', p_file_name,
    'sha256', p_sha256), result);
  RETURN result;
END $$`;

/** What an approval of an import vouches for: its file, row for row (grant_rows never change). */
const FINGERPRINT = `
CREATE FUNCTION pointkeeper__grants_fingerprint(p_import grant_imports) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('grants %s rows %s users %s +%s -%s', p_import.file_sha256, p_import.rows, p_import.users,
    p_import.points_credited, p_import.points_debited) $$`;

/**
 * Asks for approval of an import (when a policy covers it): the request's payload is built here
 * from the import itself, so what the approver reads is what the gate will compare.
 */
const REQUEST = `
CREATE FUNCTION pointkeeper_grants_request(p_import_id uuid, p_reason text) RETURNS jsonb
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE imp grant_imports;
BEGIN
  SELECT * INTO imp FROM grant_imports WHERE id = p_import_id;
  IF NOT FOUND THEN RAISE EXCEPTION 'Grant import % was not found.', p_import_id USING ERRCODE = 'PK404'; END IF;
  IF imp.status <> 'staged' THEN
    RAISE EXCEPTION 'Grant import % is %: only a staged import is requested.', p_import_id, imp.status
      USING ERRCODE = 'PK409';
  END IF;
  RETURN pointkeeper_approval_request('grants.apply', jsonb_build_object('ref', imp.id::text,
    'fingerprint', pointkeeper__grants_fingerprint(imp), 'points', imp.points_credited + imp.points_debited,
    'users', imp.users, 'fileName', imp.file_name, 'sha256', imp.file_sha256, 'rows', imp.rows,
    'pointsCredited', imp.points_credited, 'pointsDebited', imp.points_debited, 'stagedBy', imp.created_by,
    'firstRows', (SELECT jsonb_agg(jsonb_build_object('line', g.line, 'userId', g.user_id, 'type', g.type,
                    'points', g.points, 'description', g.description) ORDER BY g.line)
                  FROM (SELECT * FROM grant_rows WHERE import_id = imp.id ORDER BY line LIMIT 20) g)), p_reason);
END $$`;

/**
 * Starts (or resumes) applying an import. Its first start passes the approval gate (issue 17A):
 * with a policy covering bulk grants, only an approved request for this very import opens it,
 * and the request is consumed; a resume after a crash or a cancel needs no second approval.
 */
const START = `
CREATE FUNCTION pointkeeper_grants_start(p_import_id uuid) RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE imp grant_imports; approval uuid;
BEGIN
  SELECT * INTO imp FROM grant_imports WHERE id = p_import_id FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'Grant import % was not found.', p_import_id USING ERRCODE = 'PK404'; END IF;
  IF imp.status = 'done' THEN
    RAISE EXCEPTION 'Grant import % is already done.', p_import_id USING ERRCODE = 'PK409';
  END IF;
  IF imp.status = 'staged' THEN
    approval := pointkeeper__approval_gate('grants.apply', imp.id::text, pointkeeper__grants_fingerprint(imp),
      imp.points_credited + imp.points_debited, imp.users);
  END IF;
  UPDATE grant_imports SET status = 'applying', updated_at = now(), finished_at = NULL,
    approval_request_id = coalesce(approval, approval_request_id)
  WHERE id = p_import_id
  RETURNING * INTO imp;
  PERFORM pointkeeper__log('grants.start', jsonb_build_object('importId', p_import_id),
    jsonb_build_object('rows', imp.rows, 'rowsLeft', imp.rows - imp.rows_applied - imp.rows_replayed - imp.rows_refused,
                       'approvalRequestId', imp.approval_request_id));
  RETURN to_jsonb(imp);
END $$`;

/**
 * One chunk: the next p_rows pending rows in line order, under the users' locks. Rows whose key
 * is already in the log replay (same content) or are refused (other content); a debit that
 * would take a balance below zero now is refused, and so are that user's later debits in the
 * chunk (their check assumed it). The rest are appended with their chain in one INSERT.
 */
const APPLY = `
CREATE FUNCTION pointkeeper_grants_apply(p_import_id uuid, p_rows integer) RETURNS jsonb
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE
  imp grant_imports; ids integer[]; k bytea := pointkeeper__key();
  v_applied integer; v_replayed integer; v_refused integer; v_left integer; result jsonb;
BEGIN
  IF p_rows IS NULL OR p_rows < 1 OR p_rows > ${MAX_CHUNK} THEN
    RAISE EXCEPTION 'A chunk is 1 to ${MAX_CHUNK} rows.' USING ERRCODE = 'PK422';
  END IF;
  SELECT * INTO imp FROM grant_imports WHERE id = p_import_id FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'Grant import % was not found.', p_import_id USING ERRCODE = 'PK404'; END IF;
  IF imp.status <> 'applying' THEN
    RAISE EXCEPTION 'Grant import % is %, not applying.', p_import_id, imp.status USING ERRCODE = 'PK409';
  END IF;
  CREATE TEMP TABLE IF NOT EXISTS pk_grant_work (line integer PRIMARY KEY, user_id integer, type text,
    points integer, description text, order_id integer, key text, id integer, prior_id integer,
    prior_same boolean, running bigint, refused text) ON COMMIT DROP;
  TRUNCATE pk_grant_work;
  INSERT INTO pk_grant_work (line, user_id, type, points, description, order_id, key)
  SELECT g.line, g.user_id, g.type, g.points, g.description, g.order_id, g.key FROM grant_rows g
  WHERE g.import_id = p_import_id AND g.outcome IS NULL ORDER BY g.line LIMIT p_rows;
  -- (Not analysed on purpose: with the chunk's true size the planner hashes whole tables — the log,
  -- grant_rows — for each chunk, several times slower at 100,000 rows than index lookups.)
  ids := array(SELECT DISTINCT w.user_id FROM pk_grant_work w ORDER BY 1);

  -- A user without a balance row gets one from their log (never from zero), as every write does.
  INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
  SELECT u.id, coalesce(sum(p.points), 0), coalesce(sum(p.points) FILTER (WHERE p.points > 0), 0),
         coalesce(-sum(p.points) FILTER (WHERE p.points < 0), 0), max(p.created_at) FILTER (WHERE p.points > 0)
  FROM users u LEFT JOIN points_transactions p ON p.user_id = u.id
  WHERE u.id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM user_points x WHERE x.user_id = u.id)
  GROUP BY u.id HAVING coalesce(sum(p.points), 0) >= 0
  ON CONFLICT (user_id) DO NOTHING;
  PERFORM pointkeeper_lock_users(ids);

  UPDATE pk_grant_work w SET prior_id = p.id,
    prior_same = (p.user_id = w.user_id AND p.type = w.type AND p.points = w.points
                  AND p.description = w.description AND p.order_id IS NOT DISTINCT FROM w.order_id)
  FROM points_transactions p WHERE p.idempotency_key = w.key;
  UPDATE pk_grant_work w SET refused = format('the key was already used by transaction %s for something else', w.prior_id)
  WHERE w.prior_id IS NOT NULL AND NOT w.prior_same;
  UPDATE pk_grant_work w SET refused = 'the user''s log sums below zero: run recovery before granting to them'
  WHERE w.prior_id IS NULL AND NOT EXISTS (SELECT 1 FROM user_points up WHERE up.user_id = w.user_id);

  UPDATE pk_grant_work w SET running = r.running
  FROM (SELECT x.line, up.points + sum(x.points) OVER (PARTITION BY x.user_id ORDER BY x.line) AS running
        FROM pk_grant_work x JOIN user_points up ON up.user_id = x.user_id
        WHERE x.prior_id IS NULL AND x.refused IS NULL) r
  WHERE r.line = w.line;
  UPDATE pk_grant_work w SET refused = CASE WHEN w.line = f.first
      THEN format('the balance would go below zero (%s before this row, it takes %s)',
                  pointkeeper__fmt(w.running - w.points), pointkeeper__fmt(-w.points))
      ELSE format('an earlier debit of this user (line %s) was refused for the balance', f.first) END
  FROM (SELECT x.user_id, min(x.line) AS first FROM pk_grant_work x WHERE x.running < 0 GROUP BY x.user_id) f
  WHERE w.user_id = f.user_id AND w.line >= f.first AND w.points < 0 AND w.prior_id IS NULL AND w.refused IS NULL;

  -- Ids in line order, then each user's new rows chained on from their last row's hash.
  UPDATE pk_grant_work w SET id = n.id
  FROM (SELECT o.line, nextval('points_transactions_id_seq')::integer AS id
        FROM (SELECT x.line FROM pk_grant_work x WHERE x.prior_id IS NULL AND x.refused IS NULL ORDER BY x.line) o) n
  WHERE n.line = w.line;
  INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount, reverses_id,
    idempotency_key, created_by, created_at, prev_hash, row_hash)
  SELECT c.id, c.user_id, c.type, c.points, c.description, c.order_id, NULL, NULL, c.key, session_user, now(),
         coalesce(lag(c.row_hash) OVER (PARTITION BY c.user_id ORDER BY c.id), c.seed, '\\x'::bytea), c.row_hash
  FROM (
    SELECT w.*, s.seed, pointkeeper_hmac_chain(s.seed, pointkeeper_tx_content(w.id, w.user_id, w.type, w.points,
             w.description, w.order_id, NULL::numeric, NULL::integer, w.key, session_user::text, now()), k)
             OVER (PARTITION BY w.user_id ORDER BY w.id) AS row_hash
    FROM pk_grant_work w
    JOIN (SELECT u.user_id, (SELECT p.row_hash FROM points_transactions p WHERE p.user_id = u.user_id
                             ORDER BY p.id DESC LIMIT 1) AS seed
          FROM (SELECT DISTINCT x.user_id FROM pk_grant_work x WHERE x.id IS NOT NULL) u) s ON s.user_id = w.user_id
    WHERE w.id IS NOT NULL
  ) c
  ORDER BY c.id;

  -- The copies move by each user's delta, as pointkeeper__move does for one write.
  WITH d AS (SELECT w.user_id, sum(w.points) AS delta,
                    coalesce(sum(w.points) FILTER (WHERE w.points > 0), 0) AS credits,
                    coalesce(-sum(w.points) FILTER (WHERE w.points < 0), 0) AS debits
             FROM pk_grant_work w WHERE w.id IS NOT NULL GROUP BY w.user_id),
  up AS (UPDATE user_points up SET points = up.points + d.delta, total_earned = up.total_earned + d.credits,
           total_redeemed = up.total_redeemed + d.debits,
           last_earned_at = CASE WHEN d.credits > 0 THEN now() ELSE up.last_earned_at END, updated_at = now()
         FROM d WHERE up.user_id = d.user_id RETURNING up.user_id)
  UPDATE users u SET rewards = greatest(u.rewards + d.delta, 0), updated_at = now() FROM d WHERE u.id = d.user_id;

  UPDATE grant_rows g SET
    outcome = CASE WHEN w.id IS NOT NULL THEN 'applied' WHEN w.refused IS NULL THEN 'replayed' ELSE 'refused' END,
    transaction_id = CASE WHEN w.id IS NOT NULL THEN w.id WHEN w.refused IS NULL THEN w.prior_id END,
    reason = w.refused
  FROM pk_grant_work w WHERE g.import_id = p_import_id AND g.line = w.line;
  SELECT count(*) FILTER (WHERE w.id IS NOT NULL), count(*) FILTER (WHERE w.id IS NULL AND w.refused IS NULL),
         count(*) FILTER (WHERE w.refused IS NOT NULL)
  INTO v_applied, v_replayed, v_refused FROM pk_grant_work w;
  UPDATE grant_imports SET rows_applied = rows_applied + v_applied, rows_replayed = rows_replayed + v_replayed,
    rows_refused = rows_refused + v_refused, updated_at = now()
  WHERE id = p_import_id RETURNING rows - rows_applied - rows_replayed - rows_refused INTO v_left;
  result := jsonb_build_object('applied', v_applied, 'replayed', v_replayed, 'refused', v_refused, 'rowsLeft', v_left);
  PERFORM pointkeeper__log('grants.chunk', jsonb_build_object('importId', p_import_id, 'rows', p_rows), result);
  RETURN result;
END $$`;

const FINISH = `
CREATE FUNCTION pointkeeper_grants_finish(p_import_id uuid, p_status text) RETURNS jsonb
LANGUAGE plpgsql ${DEFINER} AS $$
DECLARE imp grant_imports;
BEGIN
  IF p_status IS NULL OR p_status NOT IN ('done', 'cancelled', 'failed') THEN
    RAISE EXCEPTION 'A grant import ends done, cancelled or failed.' USING ERRCODE = 'PK422';
  END IF;
  SELECT * INTO imp FROM grant_imports WHERE id = p_import_id FOR UPDATE;
  IF NOT FOUND OR imp.status <> 'applying' THEN
    RAISE EXCEPTION 'Grant import % is not applying.', p_import_id USING ERRCODE = 'PK409';
  END IF;
  IF p_status = 'done' AND imp.rows_applied + imp.rows_replayed + imp.rows_refused < imp.rows THEN
    RAISE EXCEPTION 'Grant import % still has % row(s) to apply.', p_import_id,
      imp.rows - imp.rows_applied - imp.rows_replayed - imp.rows_refused USING ERRCODE = 'PK409';
  END IF;
  UPDATE grant_imports SET status = p_status, updated_at = now(), finished_at = now() WHERE id = p_import_id
  RETURNING * INTO imp;
  PERFORM pointkeeper__log('grants.finish', jsonb_build_object('importId', p_import_id, 'status', p_status),
    jsonb_build_object('applied', imp.rows_applied, 'replayed', imp.rows_replayed, 'refused', imp.rows_refused));
  RETURN to_jsonb(imp);
END $$`;

export async function up(knex: Knex): Promise<void> {
  for (const sql of [...TABLES, PROBLEMS, STAGE, FINGERPRINT, REQUEST, START, APPLY, FINISH])
    await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION IF EXISTS pointkeeper_grants_finish(uuid, text), pointkeeper_grants_apply(uuid, integer),
    pointkeeper_grants_start(uuid), pointkeeper_grants_request(uuid, text),
    pointkeeper__grants_fingerprint(grant_imports), pointkeeper_grants_stage(uuid, text, text), pointkeeper_grants_problems(integer)`);
  await knex.raw('DROP TABLE IF EXISTS grant_rows, grant_imports');
}
