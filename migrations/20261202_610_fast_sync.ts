import type { Knex } from 'knex';
import { CHAIN_EVIDENCE_500, WRITERS_500 } from './20261202_500_setbased_sync';
import { applyPrivileges } from './privileges';

/**
 * Sync/recover at set-based speed (issue 20): the preview's chain check, which hashed every row
 * of every unclean user chunk by chunk in a plan no worker could share, is one call for the
 * whole scope whose hashing runs in parallel.
 *
 * The keyed hash of a row is unchanged (the same bytes, so every existing chain still verifies);
 * what changes is where it is computed. Checked per row, `row_hash = HMAC(prev_hash || content)`
 * needs no other row, so it is a filter of a (parallel) scan that returns only the rows that fail;
 * the links between rows (each prev_hash the row_hash before it) need the user's order but no
 * hashing, and are checked in a second, cheap pass.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;

/**
 * How a user's rows' versions are fingerprinted: `row` is one row's version (an expression over
 * the log's alias `t`), `user` folds a user's `version`s into one text. Migration 650 swaps in a
 * cheaper pair; both sides — the preview's record and apply's recheck — always use the same one.
 */
export interface RowVersions {
  row: string;
  user: string;
}

export const VERSIONS_610: RowVersions = {
  row: `t.ctid::text || t.xmin::text`,
  user: `md5(string_agg(version, ',' ORDER BY id))`,
};

/**
 * The planner costs the HMAC as one cheap operator per row, so it would never pay for workers
 * to share it; these settings, for this function's statements only, tell it that rows are cheap
 * to hand back compared with the hashing. Neither changes what is computed.
 */
const PARALLEL_HASHING = `SET parallel_setup_cost = 100 SET parallel_tuple_cost = 0.001`;

export const chainEvidence = (
  v: RowVersions,
) => `CREATE OR REPLACE FUNCTION pointkeeper_recovery_chain_evidence(p_user_ids integer[])
   RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
   LANGUAGE plpgsql ${DEFINER} ${PARALLEL_HASHING} AS $$
   BEGIN
     DROP TABLE IF EXISTS pg_temp.pk_recovery_chain;
     -- One pass over these users' rows. The inner query hashes each row and reads its version;
     -- kept a subquery of its own (OFFSET 0), it is what the workers compute, each on its share
     -- of the rows; the window then checks the links in each user's order, and every user ends
     -- as one row: their breaks (as pointkeeper_chain_breaks_of) and their rows' versions.
     -- EXECUTE plans it for this very array, a constant the workers look up in a hash table;
     -- the key stays a subquery, so it is never part of a plan's text.
     EXECUTE $q$
       CREATE TEMP TABLE pk_recovery_chain ON COMMIT DROP AS
       SELECT l.user_id, ${v.user} AS versions,
              array_agg(ROW(l.user_id, l.id, l.previous_id, l.kind)::pointkeeper_chain_break ORDER BY l.id)
                FILTER (WHERE l.kind IS NOT NULL) AS breaks
       FROM (SELECT h.user_id, h.id, h.version, lag(h.id) OVER w AS previous_id,
                    CASE WHEN h.row_hash IS NULL OR h.prev_hash IS NULL THEN 'unsealed'
                         WHEN h.altered THEN 'altered'
                         WHEN h.prev_hash <> coalesce(lag(h.row_hash) OVER w, '\\x'::bytea) THEN 'removed' END AS kind
             FROM (SELECT t.id, t.user_id, t.row_hash, t.prev_hash, ${v.row} AS version,
                          t.row_hash IS DISTINCT FROM public.hmac(t.prev_hash || convert_to(pointkeeper_tx_content(
                            t.id, t.user_id, t.type, t.points, t.description, t.order_id, t.order_amount,
                            t.reverses_id, t.idempotency_key, t.created_by, t.created_at), 'UTF8'),
                            (SELECT k.chain_key FROM pointkeeper_keys k WHERE k.id = 1), 'sha256') AS altered
                   FROM points_transactions t WHERE t.user_id = ANY($1) OFFSET 0) h
             WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id)) l
       GROUP BY l.user_id$q$
     USING p_user_ids;
     -- Users found intact, with their rows' versions: apply hashes them again only if one changed.
     -- Only this function writes the record: it is the database's word.
     INSERT INTO recovery_chain_verified AS v (user_id, versions, verified_at)
     SELECT c.user_id, c.versions, now() FROM pg_temp.pk_recovery_chain c WHERE c.breaks IS NULL
     ON CONFLICT ON CONSTRAINT recovery_chain_verified_pkey
       DO UPDATE SET versions = excluded.versions, verified_at = excluded.verified_at;
     RETURN QUERY SELECT b.* FROM pg_temp.pk_recovery_chain c, unnest(c.breaks) b WHERE c.breaks IS NOT NULL;
   END $$`;

const utc = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A chunk user's log, summed: what sync writes and what the state hash covers. */
const SUMS = `count(*)::bigint AS n, sum(points)::bigint AS s,
  coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS e,
  coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r,
  max(created_at) FILTER (WHERE points > 0) AS le, max(created_at) AS la`;

/**
 * The blocks pointkeeper_recovery_apply (migration 500) and the chunk function repeated, once
 * each. Internal: executable by the owner only, so only the definer functions reach them.
 */
export const HELPERS = [
  // The run, locked: it must be the caller's, running, and have a chunk left to apply.
  `CREATE OR REPLACE FUNCTION pointkeeper__recovery_running(p_run_id uuid) RETURNS recovery_runs
   LANGUAGE plpgsql AS $$
   DECLARE run recovery_runs;
   BEGIN
     SELECT * INTO run FROM recovery_runs WHERE id = p_run_id FOR UPDATE;
     IF NOT FOUND OR run.status <> 'running' OR run.actor <> session_user THEN
       RAISE EXCEPTION 'Recovery run % is not a running run of %.', p_run_id, session_user USING ERRCODE = 'PK403';
     END IF;
     IF run.chunks_done >= run.chunks_total THEN
       RAISE EXCEPTION 'Recovery run % has applied all its chunks.', p_run_id USING ERRCODE = 'PK409';
     END IF;
     RETURN run;
   END $$`,
  // Refuses to write from a log whose keyed hash chain fails for any of these users.
  `CREATE OR REPLACE FUNCTION pointkeeper__recovery_refuse_breaks(p_user_ids integer[]) RETURNS void
   LANGUAGE plpgsql AS $$
   DECLARE broken integer;
   BEGIN
     IF cardinality(p_user_ids) = 0 THEN RETURN; END IF;
     SELECT b.user_id INTO broken FROM pointkeeper_chain_breaks_of(p_user_ids) b LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'User %''s history fails the keyed hash chain: investigate it; recovery does not write from it.',
         broken USING ERRCODE = 'PK409';
     END IF;
   END $$`,
  // A legacy copy above both the balance row and the log was written some other way: recover
  // never lowers it and never credits it without a person's decision (recovery.resolve).
  `CREATE OR REPLACE FUNCTION pointkeeper__recovery_refuse_legacy_above(p_user_id integer) RETURNS void
   LANGUAGE plpgsql AS $$
   BEGIN
     IF p_user_id IS NOT NULL THEN
       RAISE EXCEPTION 'User %''s legacy copy is above both its balance and the log: investigate and resolve it; recovery does not credit it.',
         p_user_id USING ERRCODE = 'PK409';
     END IF;
   END $$`,
  // recover's adjustment for one user whose stored balance is above what the log explains.
  `CREATE OR REPLACE FUNCTION pointkeeper__recovery_adjust(p_user_id integer, p_log bigint, p_target bigint)
   RETURNS void LANGUAGE sql AS $$
     SELECT FROM pointkeeper__append(p_user_id, 'adjustment', (p_target - p_log)::integer, format(
       'Recovery: the stored balance was %s points but the log explained %s; +%s records the missing transactions so the log explains the balance',
       pointkeeper__fmt(p_target), pointkeeper__fmt(p_log), pointkeeper__fmt(p_target - p_log)),
       NULL, NULL, NULL, NULL) $$`,
  // The chunk counted into its run and into the operations log; the chunk's result.
  `CREATE OR REPLACE FUNCTION pointkeeper__recovery_chunk_done(p_run_id uuid, p_users integer, p_changed integer,
     p_created integer, p_adjustments integer, p_points bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
   DECLARE result jsonb := jsonb_build_object('usersChanged', p_changed, 'rowsCreated', p_created,
     'adjustments', p_adjustments, 'adjustmentPoints', p_points);
   BEGIN
     UPDATE recovery_runs SET chunks_done = chunks_done + 1, users_changed = users_changed + p_changed,
       rows_created = rows_created + p_created, adjustments = adjustments + p_adjustments,
       adjustment_points = adjustment_points + p_points, updated_at = now()
     WHERE id = p_run_id;
     PERFORM pointkeeper__log('recovery.chunk', jsonb_build_object('runId', p_run_id, 'users', p_users), result);
     RETURN result;
   END $$`,
  // The users' ledger locks, in id order. A chunk's users lie between its first and last id: the
  // range lets each lock read the primary key's index for that stretch instead of scanning the
  // whole table per chunk (which grew with the table: 1M users, 200 chunks, 400 full scans).
  `CREATE OR REPLACE FUNCTION pointkeeper_lock_users(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE lo integer := (SELECT min(x) FROM unnest(p_user_ids) x);
           hi integer := (SELECT max(x) FROM unnest(p_user_ids) x);
   BEGIN
     PERFORM 1 FROM user_points WHERE user_id BETWEEN lo AND hi AND user_id IN (SELECT unnest(p_user_ids))
       ORDER BY user_id FOR UPDATE;
     PERFORM 1 FROM users WHERE id BETWEEN lo AND hi AND id IN (SELECT unnest(p_user_ids)) ORDER BY id FOR UPDATE;
   END $$`,
];

/**
 * Migration 500's two writers on the helpers above. The chunk function also writes only the
 * copies that differ from the log: a user whose legacy copy already holds the balance keeps
 * their users row untouched (each needless row version costs a heap write, index entries and
 * WAL, which the hand-written UPDATE does not pay either).
 */
export const writers = (v: RowVersions) => [
  `CREATE OR REPLACE FUNCTION pointkeeper_recovery_apply(p_run_id uuid, p_user_ids integer[]) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE
     run recovery_runs; u record; v_changed integer; v_created integer; v_adjustments integer := 0; v_points bigint := 0;
   BEGIN
     run := pointkeeper__recovery_running(p_run_id);
     PERFORM pointkeeper_lock_users(p_user_ids);
     PERFORM pointkeeper__recovery_refuse_breaks(p_user_ids);
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
     PERFORM pointkeeper__recovery_refuse_legacy_above((SELECT w.user_id FROM pk_recovery_work w
       WHERE run.action = 'recover' AND w.had_row AND w.rewards > greatest(w.points, w.balance) LIMIT 1));
     FOR u IN SELECT * FROM pk_recovery_work WHERE target > balance ORDER BY user_id LOOP
       PERFORM pointkeeper__recovery_adjust(u.user_id, u.balance, u.target);
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
     RETURN pointkeeper__recovery_chunk_done(p_run_id, cardinality(p_user_ids), v_changed, v_created,
       v_adjustments, v_points);
   END $$`,

  // One chunk in one call, set-based: lock; read the chunk's state once (one aggregate of its
  // users' log) and compare its hash with the preview's; check the chain of the users whose rows
  // are not the versions the preview found intact; then write what differs from the log.
  `CREATE OR REPLACE FUNCTION pointkeeper_recovery_apply_chunk(p_run_id uuid, p_user_ids integer[], p_state_hash text)
   RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE
     run recovery_runs; adj record; found_hash text;
     lo integer := (SELECT min(x) FROM unnest(p_user_ids) x);
     hi integer := (SELECT max(x) FROM unnest(p_user_ids) x);
     v_changed integer; v_created integer; v_adjustments integer := 0; v_points bigint := 0;
   BEGIN
     run := pointkeeper__recovery_running(p_run_id);
     PERFORM pointkeeper_lock_users(p_user_ids);
     DROP TABLE IF EXISTS pg_temp.pk_recovery_chunk;
     -- The chunk's users are a fraction of the log: their rows are read by the (user_id, id)
     -- index, one lookup per user (a semi-join on the array, as migration 500 found best); their
     -- copies by the id range the chunk spans, as the locks are.
     CREATE TEMP TABLE pk_recovery_chunk ON COMMIT DROP AS
     SELECT u.id AS user_id, u.rewards, up.user_id IS NOT NULL AS has_row, up.points, up.total_earned,
            up.total_redeemed, up.last_earned_at, coalesce(t.n, 0) AS n, coalesce(t.s, 0) AS s,
            coalesce(t.e, 0) AS e, coalesce(t.r, 0) AS r, t.le, t.la, coalesce(t.versions, '') AS versions
     FROM users u
     LEFT JOIN user_points up ON up.user_id = u.id AND up.user_id BETWEEN lo AND hi
     LEFT JOIN (SELECT user_id, ${SUMS}, ${v.user} AS versions
                FROM (SELECT t.*, ${v.row} AS version FROM points_transactions t
                      WHERE t.user_id IN (SELECT unnest(p_user_ids))) r
                GROUP BY user_id) t
       ON t.user_id = u.id
     WHERE u.id BETWEEN lo AND hi AND u.id IN (SELECT unnest(p_user_ids));
     SELECT encode(sha256(convert_to(coalesce(string_agg(json_build_array(user_id, rewards, has_row, points,
              total_earned, total_redeemed, ${utc('last_earned_at')}, n, s, e, r, ${utc('le')}, ${utc('la')})::text, ';'
              ORDER BY user_id), ''), 'UTF8')), 'hex')
     INTO found_hash FROM pg_temp.pk_recovery_chunk;
     IF found_hash IS DISTINCT FROM p_state_hash THEN
       RAISE EXCEPTION 'A user between ids % and % changed since the preview: nothing was applied from it. Preview again.',
         (SELECT min(x) FROM unnest(p_user_ids) x), (SELECT max(x) FROM unnest(p_user_ids) x) USING ERRCODE = 'PK409';
     END IF;
     -- The chain is checked (HMAC of every row) only for users whose rows are not exactly the
     -- row versions the preview's check found intact. The records are read by the chunk's id
     -- range: unbounded, the planner hashed every record of the table for every chunk (300,000
     -- at full size, 100 ms a chunk).
     PERFORM pointkeeper__recovery_refuse_breaks(array(
       SELECT w.user_id FROM pg_temp.pk_recovery_chunk w
       LEFT JOIN recovery_chain_verified v
         ON v.user_id = w.user_id AND v.versions = w.versions AND v.user_id BETWEEN lo AND hi
       WHERE v.user_id IS NULL));
     -- sync never writes a negative balance: such a user is left as is (recover adjusts instead).
     IF run.action = 'sync' THEN DELETE FROM pg_temp.pk_recovery_chunk WHERE s < 0; END IF;
     IF run.action = 'recover' THEN
       PERFORM pointkeeper__recovery_refuse_legacy_above((SELECT w.user_id FROM pg_temp.pk_recovery_chunk w
         WHERE w.has_row AND w.rewards > greatest(w.points, w.s) LIMIT 1));
       -- recover keeps the stored balance (the user_points row, or the legacy copy without one)
       -- when it is above the log, by an adjustment; sync sets both copies to the log.
       FOR adj IN SELECT w.user_id, w.s, greatest(w.s, CASE WHEN w.has_row THEN w.points ELSE w.rewards END) AS target
                FROM pg_temp.pk_recovery_chunk w
                WHERE greatest(w.s, CASE WHEN w.has_row THEN w.points ELSE w.rewards END) > w.s ORDER BY w.user_id LOOP
         PERFORM pointkeeper__recovery_adjust(adj.user_id, adj.s, adj.target);
         v_adjustments := v_adjustments + 1;
         v_points := v_points + (adj.target - adj.s);
       END LOOP;
       IF v_adjustments > 0 THEN
         -- Those users' log grew: their sums are read again.
         UPDATE pg_temp.pk_recovery_chunk w SET s = a.s, e = a.e, r = a.r, le = a.le
         FROM (SELECT user_id, ${SUMS} FROM points_transactions WHERE user_id IN (SELECT unnest(p_user_ids))
               GROUP BY user_id) a
         WHERE a.user_id = w.user_id AND (w.s, w.e, w.r, w.le) IS DISTINCT FROM (a.s, a.e, a.r, a.le);
       END IF;
     END IF;
     INSERT INTO user_points AS p (user_id, points, total_earned, total_redeemed, last_earned_at, updated_at)
     SELECT w.user_id, w.s, w.e, w.r, w.le, now() FROM pg_temp.pk_recovery_chunk w
     WHERE NOT w.has_row OR (w.points, w.total_earned, w.total_redeemed, w.last_earned_at) IS DISTINCT FROM (w.s, w.e, w.r, w.le)
     ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, total_earned = excluded.total_earned,
       total_redeemed = excluded.total_redeemed, last_earned_at = excluded.last_earned_at, updated_at = now();
     UPDATE users us SET rewards = w.s, updated_at = now() FROM pg_temp.pk_recovery_chunk w
     WHERE us.id = w.user_id AND us.rewards IS DISTINCT FROM w.s;
     SELECT count(*), count(*) FILTER (WHERE NOT has_row) INTO v_changed, v_created FROM pg_temp.pk_recovery_chunk;
     RETURN pointkeeper__recovery_chunk_done(p_run_id, cardinality(p_user_ids), v_changed, v_created,
       v_adjustments, v_points);
   END $$`,
];

const HELPER_NAMES = [
  'pointkeeper__recovery_running(uuid)',
  'pointkeeper__recovery_refuse_breaks(integer[])',
  'pointkeeper__recovery_refuse_legacy_above(integer)',
  'pointkeeper__recovery_adjust(integer, bigint, bigint)',
  'pointkeeper__recovery_chunk_done(uuid, integer, integer, integer, integer, bigint)',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TYPE pointkeeper_chain_break AS (user_id integer, transaction_id integer,
    previous_id integer, kind text)`);
  for (const sql of [chainEvidence(VERSIONS_610), ...HELPERS, ...writers(VERSIONS_610)]) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const sql of [CHAIN_EVIDENCE_500, ...WRITERS_500]) {
    await knex.raw(sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
  for (const name of HELPER_NAMES) await knex.raw(`DROP FUNCTION IF EXISTS ${name}`);
  await knex.raw('DROP TYPE IF EXISTS pointkeeper_chain_break');
  await applyPrivileges(knex);
}
