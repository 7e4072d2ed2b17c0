import type { Knex } from 'knex';
import { applyPrivileges } from './privileges';

/**
 * Set-based sync/recover (issue 20). The preview finds the unclean users in one aggregate pass
 * and stores what apply will change — per chunk the users and a hash of their state — under the
 * plan's fingerprint, which is the hash of exactly that content. Apply then no longer reads the
 * whole scope again: each chunk is one call that locks its users, rechecks their state against
 * the preview under the lock, and writes through pointkeeper_recovery_apply as before (chain
 * check, never-lowers rules, run counters, operations log).
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

const utc = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The same functions as migration 100's, with `x = ANY(p_user_ids)` written as
 * `x IN (SELECT unnest(p_user_ids))`: inside a function the array is a parameter, and a scan
 * the planner picks for it then searched the whole array for every row (a chunk of 5,000 users
 * cost 5,000 comparisons per row of the log); a semi-join hashes it once.
 */
const FASTER = [
  `CREATE OR REPLACE FUNCTION pointkeeper_lock_users(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     PERFORM 1 FROM user_points WHERE user_id IN (SELECT unnest(p_user_ids)) ORDER BY user_id FOR UPDATE;
     PERFORM 1 FROM users WHERE id IN (SELECT unnest(p_user_ids)) ORDER BY id FOR UPDATE;
   END $$`,
  `CREATE OR REPLACE FUNCTION pointkeeper_chain_breaks_of(p_user_ids integer[])
   RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
   LANGUAGE sql STABLE ${DEFINER} AS $$ 
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
    WHERE t.user_id IN (SELECT unnest(p_user_ids))
    WINDOW w AS (PARTITION BY t.user_id ORDER BY t.id)
  ) l
  WHERE l.row_hash IS NULL OR l.prev_hash IS NULL OR l.row_hash <> l.expected_hash OR l.prev_hash <> l.expected_prev $$`,
  `CREATE OR REPLACE FUNCTION pointkeeper_recovery_apply(p_run_id uuid, p_user_ids integer[]) RETURNS jsonb
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
                WHERE user_id IN (SELECT unnest(p_user_ids)) GROUP BY user_id) t ON t.user_id = x.id
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
                FROM points_transactions WHERE user_id IN (SELECT unnest(p_user_ids)) GROUP BY user_id) a ON a.user_id = w.user_id
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
];

/**
 * Which versions of a user's log rows a chain check found intact: the physical identity of every
 * row (ctid and the inserting transaction). Any UPDATE, DELETE or INSERT of the user's rows
 * changes it (a VACUUM FULL too, which only costs a fresh check).
 */
const VERSIONS = `md5(string_agg(ctid::text || xmin::text, ',' ORDER BY id))`;

/**
 * The preview's chain evidence: the breaks of these users, as pointkeeper_chain_breaks_of;
 * users found intact are recorded with their rows' versions, so that apply need not hash rows
 * nobody has touched since. Only this function writes the record: it is the database's word.
 * Exported for migration 610's down, which puts it back.
 */
export const CHAIN_EVIDENCE_500 = `CREATE FUNCTION pointkeeper_recovery_chain_evidence(p_user_ids integer[])
   RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
   LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     CREATE TEMP TABLE IF NOT EXISTS pk_recovery_breaks (user_id integer, transaction_id integer,
       previous_id integer, kind text) ON COMMIT DROP;
     TRUNCATE pk_recovery_breaks;
     INSERT INTO pk_recovery_breaks SELECT * FROM pointkeeper_chain_breaks_of(p_user_ids);
     INSERT INTO recovery_chain_verified AS v (user_id, versions, verified_at)
     SELECT t.user_id, ${VERSIONS}, now() FROM points_transactions t
     WHERE t.user_id IN (SELECT unnest(p_user_ids))
       AND t.user_id NOT IN (SELECT b.user_id FROM pk_recovery_breaks b)
     GROUP BY t.user_id
     ON CONFLICT ON CONSTRAINT recovery_chain_verified_pkey
       DO UPDATE SET versions = excluded.versions, verified_at = excluded.verified_at;
     RETURN QUERY SELECT * FROM pk_recovery_breaks;
   END $$`;

const FUNCTIONS = [
  CHAIN_EVIDENCE_500,

  // Anyone who may preview stores their plan; its key is the hash of its content, so a stored
  // plan can only be the one that hashes to the fingerprint apply is given (apply checks).
  `CREATE FUNCTION pointkeeper_recovery_plan_save(p_fingerprint text, p_action text, p_scope jsonb,
     p_extra text, p_chunks jsonb) RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   BEGIN
     IF p_action NOT IN ('sync', 'recover') THEN
       RAISE EXCEPTION 'A recovery action is sync or recover.' USING ERRCODE = 'PK422';
     END IF;
     DELETE FROM recovery_plans WHERE created_at < now() - interval '7 days';
     INSERT INTO recovery_plans (fingerprint, action, scope, extra, chunks_total)
     VALUES (p_fingerprint, p_action, p_scope, p_extra, jsonb_array_length(p_chunks))
     ON CONFLICT (fingerprint) DO NOTHING;
     IF NOT FOUND THEN RETURN; END IF;
     INSERT INTO recovery_plan_chunks (fingerprint, chunk, user_ids, state_hash)
     SELECT p_fingerprint, (e.ord - 1)::integer,
            ARRAY(SELECT jsonb_array_elements_text(e.c->'ids')::integer), e.c->>'hash'
     FROM jsonb_array_elements(p_chunks) WITH ORDINALITY AS e(c, ord);
   END $$`,

  // One chunk in one call, set-based: lock; read the chunk's state once (one aggregate of its
  // users' log) and compare its hash with the preview's; check the chain; then the same writes as
  // pointkeeper_recovery_apply (migration 100) from that one read instead of three.
  `CREATE FUNCTION pointkeeper_recovery_apply_chunk(p_run_id uuid, p_user_ids integer[], p_state_hash text)
   RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE
     run recovery_runs; adj record; broken integer; found_hash text;
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
     DROP TABLE IF EXISTS pg_temp.pk_recovery_chunk;
     CREATE TEMP TABLE pk_recovery_chunk ON COMMIT DROP AS
     SELECT u.id AS user_id, u.rewards, up.user_id IS NOT NULL AS has_row, up.points, up.total_earned,
            up.total_redeemed, up.last_earned_at, coalesce(t.n, 0) AS n, coalesce(t.s, 0) AS s,
            coalesce(t.e, 0) AS e, coalesce(t.r, 0) AS r, t.le, t.la, coalesce(t.versions, '') AS versions
     FROM users u
     LEFT JOIN user_points up ON up.user_id = u.id
     LEFT JOIN (SELECT user_id, count(*)::bigint AS n, sum(points)::bigint AS s,
                       coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS e,
                       coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r,
                       max(created_at) FILTER (WHERE points > 0) AS le, max(created_at) AS la,
                       ${VERSIONS} AS versions
                FROM points_transactions WHERE user_id IN (SELECT unnest(p_user_ids)) GROUP BY user_id) t
       ON t.user_id = u.id
     WHERE u.id IN (SELECT unnest(p_user_ids));
     SELECT encode(sha256(convert_to(coalesce(string_agg(json_build_array(user_id, rewards, has_row, points,
              total_earned, total_redeemed, ${utc('last_earned_at')}, n, s, e, r, ${utc('le')}, ${utc('la')})::text, ';'
              ORDER BY user_id), ''), 'UTF8')), 'hex')
     INTO found_hash FROM pk_recovery_chunk;
     IF found_hash IS DISTINCT FROM p_state_hash THEN
       RAISE EXCEPTION 'A user between ids % and % changed since the preview: nothing was applied from it. Preview again.',
         (SELECT min(x) FROM unnest(p_user_ids) x), (SELECT max(x) FROM unnest(p_user_ids) x) USING ERRCODE = 'PK409';
     END IF;
     -- The chain is checked (HMAC of every row) only for users whose rows are not exactly the
     -- row versions the preview's check found intact.
     SELECT b.user_id INTO broken FROM pointkeeper_chain_breaks_of(array(
       SELECT w.user_id FROM pk_recovery_chunk w
       LEFT JOIN recovery_chain_verified v ON v.user_id = w.user_id AND v.versions = w.versions
       WHERE v.user_id IS NULL)) b LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'User %''s history fails the keyed hash chain: investigate it; recovery does not write from it.',
         broken USING ERRCODE = 'PK409';
     END IF;
     -- sync never writes a negative balance: such a user is left as is (recover adjusts instead).
     IF run.action = 'sync' THEN DELETE FROM pk_recovery_chunk WHERE s < 0; END IF;
     -- A legacy copy above both the balance row and the log was written some other way: recover
     -- never lowers it and never credits it without a person's decision (recovery.resolve).
     SELECT w.user_id INTO broken FROM pk_recovery_chunk w
     WHERE run.action = 'recover' AND w.has_row AND w.rewards > greatest(w.points, w.s) LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'User %''s legacy copy is above both its balance and the log: investigate and resolve it; recovery does not credit it.',
         broken USING ERRCODE = 'PK409';
     END IF;
     -- recover keeps the stored balance (the user_points row, or the legacy copy without one)
     -- when it is above the log, by an adjustment; sync sets both copies to the log.
     IF run.action = 'recover' THEN
       FOR adj IN SELECT w.user_id, w.s, greatest(w.s, CASE WHEN w.has_row THEN w.points ELSE w.rewards END) AS target
                FROM pk_recovery_chunk w
                WHERE greatest(w.s, CASE WHEN w.has_row THEN w.points ELSE w.rewards END) > w.s ORDER BY w.user_id LOOP
         PERFORM pointkeeper__append(adj.user_id, 'adjustment', (adj.target - adj.s)::integer, format(
           'Recovery: the stored balance was %s points but the log explained %s; +%s records the missing transactions so the log explains the balance',
           pointkeeper__fmt(adj.target), pointkeeper__fmt(adj.s), pointkeeper__fmt(adj.target - adj.s)),
           NULL, NULL, NULL, NULL);
         v_adjustments := v_adjustments + 1;
         v_points := v_points + (adj.target - adj.s);
       END LOOP;
       IF v_adjustments > 0 THEN
         -- Those users' log grew: their sums are read again.
         UPDATE pk_recovery_chunk w SET s = a.s, e = a.e, r = a.r, le = a.le
         FROM (SELECT user_id, sum(points)::bigint AS s, coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS e,
                      coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r,
                      max(created_at) FILTER (WHERE points > 0) AS le
               FROM points_transactions WHERE user_id IN (SELECT unnest(p_user_ids)) GROUP BY user_id) a
         WHERE a.user_id = w.user_id AND (w.s, w.e, w.r, w.le) IS DISTINCT FROM (a.s, a.e, a.r, a.le);
       END IF;
     END IF;
     INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
     SELECT w.user_id, w.s, w.e, w.r, w.le, now() FROM pk_recovery_chunk w
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now();
     UPDATE users us SET rewards = w.s, updated_at = now() FROM pk_recovery_chunk w WHERE us.id = w.user_id;
     SELECT count(*), count(*) FILTER (WHERE NOT has_row) INTO v_changed, v_created FROM pk_recovery_chunk;
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
];

/** The functions migration 610 replaces, as this migration made them: its down puts them back. */
export const WRITERS_500 = [...FASTER, ...FUNCTIONS].filter((sql) =>
  /FUNCTION (pointkeeper_lock_users|pointkeeper_recovery_apply|pointkeeper_recovery_apply_chunk)\(/.test(sql),
);

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE recovery_plans (
    fingerprint text PRIMARY KEY,
    action text NOT NULL CHECK (action IN ('sync', 'recover')),
    scope jsonb NOT NULL,
    extra text NOT NULL,
    chunks_total integer NOT NULL,
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now())`);
  await knex.raw(`CREATE TABLE recovery_plan_chunks (
    fingerprint text NOT NULL REFERENCES recovery_plans ON DELETE CASCADE,
    chunk integer NOT NULL,
    user_ids integer[] NOT NULL,
    state_hash text NOT NULL,
    PRIMARY KEY (fingerprint, chunk))`);
  await knex.raw(`CREATE TABLE recovery_chain_verified (
    user_id integer PRIMARY KEY,
    versions text NOT NULL,
    verified_at timestamptz NOT NULL)`);
  for (const sql of [...FASTER, ...FUNCTIONS]) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_recovery_apply_chunk(uuid, integer[], text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_recovery_plan_save(text, text, jsonb, text, jsonb)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_recovery_chain_evidence(integer[])');
  await knex.raw('DROP TABLE IF EXISTS recovery_chain_verified');
  await knex.raw('DROP TABLE IF EXISTS recovery_plan_chunks');
  await knex.raw('DROP TABLE IF EXISTS recovery_plans');
}
