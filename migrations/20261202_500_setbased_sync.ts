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
 * One user's state as text — the same expression src/main/ledger/recovery/state.ts builds in
 * the preview's pass (test/recovery*.test.ts fail if the two ever differ: every apply would
 * conflict).
 */
const STATE_HASH = `
  SELECT encode(sha256(convert_to(coalesce(string_agg(json_build_array(u.id, u.rewards, up.user_id IS NOT NULL,
           up.points, up.total_earned, up.total_redeemed, ${utc('up.last_earned_at')}, coalesce(t.n, 0),
           coalesce(t.s, 0), coalesce(t.e, 0), coalesce(t.r, 0), ${utc('t.le')}, ${utc('t.la')})::text, ';'
           ORDER BY u.id), ''), 'UTF8')), 'hex')
  FROM users u
  LEFT JOIN user_points up ON up.user_id = u.id
  LEFT JOIN (SELECT user_id, count(*)::bigint AS n, sum(points)::bigint AS s,
                    coalesce(sum(points) FILTER (WHERE points > 0), 0)::bigint AS e,
                    coalesce(-sum(points) FILTER (WHERE points < 0), 0)::bigint AS r,
                    max(created_at) FILTER (WHERE points > 0) AS le, max(created_at) AS la
             FROM points_transactions WHERE user_id = ANY(p_user_ids) GROUP BY user_id) t ON t.user_id = u.id
  WHERE u.id = ANY(p_user_ids)`;

const FUNCTIONS = [
  `CREATE FUNCTION pointkeeper__recovery_state_hash(p_user_ids integer[]) RETURNS text
   LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$ ${STATE_HASH} $$`,

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

  // One chunk in one call: lock, recheck under the lock, write, prove clean.
  `CREATE FUNCTION pointkeeper_recovery_apply_chunk(p_run_id uuid, p_user_ids integer[], p_state_hash text)
   RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE result jsonb; left_id integer;
   BEGIN
     PERFORM pointkeeper_lock_users(p_user_ids);
     IF pointkeeper__recovery_state_hash(p_user_ids) IS DISTINCT FROM p_state_hash THEN
       RAISE EXCEPTION 'A user between ids % and % changed since the preview: nothing was applied from it. Preview again.',
         (SELECT min(x) FROM unnest(p_user_ids) x), (SELECT max(x) FROM unnest(p_user_ids) x) USING ERRCODE = 'PK409';
     END IF;
     result := pointkeeper_recovery_apply(p_run_id, p_user_ids);
     SELECT u.id INTO left_id FROM users u
     LEFT JOIN user_points up ON up.user_id = u.id
     LEFT JOIN (SELECT user_id, sum(points) AS s, coalesce(sum(points) FILTER (WHERE points > 0), 0) AS e,
                       coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS r,
                       max(created_at) FILTER (WHERE points > 0) AS le
                FROM points_transactions WHERE user_id = ANY(p_user_ids) GROUP BY user_id) t ON t.user_id = u.id
     WHERE u.id = ANY(p_user_ids)
       AND (up.user_id IS NULL OR up.points <> coalesce(t.s, 0) OR up.total_earned <> coalesce(t.e, 0)
            OR up.total_redeemed <> coalesce(t.r, 0) OR up.last_earned_at IS DISTINCT FROM t.le
            OR u.rewards <> up.points)
     LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'Recovery left user % unclean; rolled back.', left_id USING ERRCODE = 'PK500';
     END IF;
     RETURN result;
   END $$`,
];

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
  for (const sql of FUNCTIONS) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_recovery_apply_chunk(uuid, integer[], text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_recovery_plan_save(text, text, jsonb, text, jsonb)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper__recovery_state_hash(integer[])');
  await knex.raw('DROP TABLE IF EXISTS recovery_plan_chunks');
  await knex.raw('DROP TABLE IF EXISTS recovery_plans');
}
