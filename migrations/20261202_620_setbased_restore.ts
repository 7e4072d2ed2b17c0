import type { Knex } from 'knex';
import { RESTORE as RESTORE_100 } from './20261202_100_write_api';
import { applyPrivileges } from './privileges';

/**
 * Set-based restore writes (issue 20, item 2). Measured before (80,000 transactions, function
 * statistics): a 54 s write phase, of which 25 s rebuilt the points lots row by row (a plpgsql
 * call and up to four statements per log row), then a re-seal that UPDATEd every row the INSERT
 * had just written (its append-only trigger firing per row), and a chain check over an array
 * parameter. Now (16 s for the same file):
 *
 * - Lots are built set-based for every user whose log has no reversal and no expiry row: each
 *   user's credits in spending order (soonest-expiring first, never-expiring last, ties by id)
 *   and debits in id order are two running sums, and a debit takes the overlap of its range with
 *   the lots' — exactly what the row-by-row rules give, provided every lot a debit takes from
 *   (and, for a debit the lots cannot fund, every lot of the user) existed before it. That is
 *   checked per user; users who fail it, or have reversals or expiries, go row by row as before.
 * - A replace restore whose file gives every column of a row's hashed content writes the log
 *   with one plain INSERT … SELECT (the rows are known absent: the removal before it took every
 *   row of the file's users, and every row of the file belongs to one of them — checked here,
 *   a crafted call included), sealing the rows as it writes them when the file comes from
 *   another database (acknowledged), or verifying the file's chains under this database's key
 *   before writing when it does not. Then the users' chains are this database's by construction.
 * - The function runs with JIT off and 64 MB of work_mem (its own SET clause, so only for its
 *   duration): a stock server's 4 MB sends the sorts of a million-row window to disk, and its
 *   JIT would compile each of these one-off statements anew.
 *
 * Every refusal, the locks, the merge path, the sequences and the operations-log entry are as
 * migration 100 wrote them.
 */

const PINNED = `SET search_path = pg_catalog, public, pg_temp`;

/** Migration 300's rebuild, kept under its own name for the users the set-based build leaves. */
const LOTS_ROWS = `
CREATE OR REPLACE FUNCTION pointkeeper__lots_rebuild_rows(p_user_ids integer[]) RETURNS void
LANGUAGE plpgsql ${PINNED} AS $$
DECLARE r points_transactions;
BEGIN
  IF cardinality(p_user_ids) = 0 THEN RETURN; END IF;
  DELETE FROM points_lot_uses WHERE user_id IN (SELECT unnest(p_user_ids));
  DELETE FROM points_lots WHERE user_id IN (SELECT unnest(p_user_ids));
  FOR r IN SELECT * FROM points_transactions WHERE user_id IN (SELECT unnest(p_user_ids)) ORDER BY user_id, id LOOP
    PERFORM pointkeeper__lots_apply(r);
  END LOOP;
END $$`;

/**
 * The set-based build: writes the lots and uses of the users it can, returns the users it left
 * (for pointkeeper__lots_rebuild_rows). Their lots must have been removed before.
 */
const LOTS_SET = `
CREATE OR REPLACE FUNCTION pointkeeper__lots_build_set(p_user_ids integer[]) RETURNS integer[]
LANGUAGE plpgsql ${PINNED} AS $$
DECLARE rest integer[];
BEGIN
  DROP TABLE IF EXISTS pg_temp.pk_lots_other, pg_temp.pk_lots_new, pg_temp.pk_lots_debit, pg_temp.pk_lots_total,
    pg_temp.pk_lots_use;
  CREATE TEMP TABLE pk_lots_other ON COMMIT DROP AS
  SELECT DISTINCT t.user_id FROM points_transactions t
  WHERE t.user_id IN (SELECT unnest(p_user_ids)) AND (t.reverses_id IS NOT NULL OR t.type = 'expired');
  CREATE INDEX ON pg_temp.pk_lots_other (user_id);

  -- Each credit's lot, with the expiry of the policy in force when it was made (as
  -- pointkeeper__expiry_of), and where it ends in its user's spending order.
  CREATE TEMP TABLE pk_lots_new ON COMMIT DROP AS
  SELECT x.*, sum(x.points::bigint) OVER (PARTITION BY x.user_id ORDER BY x.expires_at ASC NULLS LAST, x.id) AS hi
  FROM (
    SELECT t.id, t.user_id, t.type, t.points, t.created_at, t.created_at + p.expires_after AS expires_at
    FROM points_transactions t
    LEFT JOIN (SELECT credit_type, expires_after, effective_from,
                      lead(effective_from) OVER (PARTITION BY credit_type ORDER BY effective_from) AS until
               FROM points_expiry_policies) p
      ON p.credit_type = t.type AND p.effective_from <= t.created_at AND (p.until IS NULL OR t.created_at < p.until)
    WHERE t.user_id IN (SELECT unnest(p_user_ids)) AND t.points > 0
      AND NOT EXISTS (SELECT 1 FROM pg_temp.pk_lots_other o WHERE o.user_id = t.user_id)
  ) x;
  -- Each debit's end in its user's running total of debits, in id order.
  CREATE TEMP TABLE pk_lots_debit ON COMMIT DROP AS
  SELECT t.id, t.user_id, -t.points::bigint AS amount,
         sum(-t.points::bigint) OVER (PARTITION BY t.user_id ORDER BY t.id) AS hi
  FROM points_transactions t
  WHERE t.user_id IN (SELECT unnest(p_user_ids)) AND t.points < 0
    AND NOT EXISTS (SELECT 1 FROM pg_temp.pk_lots_other o WHERE o.user_id = t.user_id);
  ANALYZE pg_temp.pk_lots_new;
  ANALYZE pg_temp.pk_lots_debit;
  CREATE TEMP TABLE pk_lots_total ON COMMIT DROP AS
  SELECT l.user_id, max(l.hi) AS held, max(l.id) AS last_lot, coalesce(max(d.spent), 0) AS spent
  FROM pk_lots_new l LEFT JOIN (SELECT user_id, max(hi) AS spent FROM pk_lots_debit GROUP BY user_id) d
    ON d.user_id = l.user_id
  GROUP BY l.user_id;
  CREATE INDEX ON pg_temp.pk_lots_total (user_id);
  ANALYZE pg_temp.pk_lots_total;
  -- What each debit takes from each lot: the overlap of the two ranges; beyond every lot, unfunded.
  CREATE TEMP TABLE pk_lots_use ON COMMIT DROP AS
  SELECT d.id AS transaction_id, l.id AS lot_id, d.user_id,
         (least(d.hi, l.hi) - greatest(d.hi - d.amount, l.hi - l.points))::integer AS points
  FROM pk_lots_debit d JOIN pk_lots_new l
    ON l.user_id = d.user_id AND l.hi - l.points < d.hi AND d.hi - d.amount < l.hi
  UNION ALL
  SELECT d.id, NULL, d.user_id, (d.hi - greatest(d.hi - d.amount, coalesce(t.held, 0)))::integer
  FROM pk_lots_debit d LEFT JOIN pk_lots_total t ON t.user_id = d.user_id
  WHERE d.hi > coalesce(t.held, 0);
  -- The overlap is the row-by-row result only where the lots a debit reaches existed before it
  -- (a later credit that expires sooner would have come first in the order above).
  rest := array(
    SELECT user_id FROM pk_lots_other
    UNION
    SELECT u.user_id FROM pk_lots_use u LEFT JOIN pk_lots_total t ON t.user_id = u.user_id
    WHERE CASE WHEN u.lot_id IS NULL THEN coalesce(t.last_lot, 0) > u.transaction_id
               ELSE u.lot_id > u.transaction_id END);
  INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
  SELECT l.id, l.user_id, 'credit', l.type, l.points,
         l.points - greatest(0, least(l.hi, t.spent) - (l.hi - l.points))::integer, l.expires_at, l.created_at
  FROM pk_lots_new l JOIN pk_lots_total t ON t.user_id = l.user_id
  WHERE l.user_id NOT IN (SELECT unnest(rest));
  INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
  SELECT u.transaction_id, u.lot_id, u.user_id, u.points FROM pk_lots_use u
  WHERE u.user_id NOT IN (SELECT unnest(rest));
  DROP TABLE pg_temp.pk_lots_other, pg_temp.pk_lots_new, pg_temp.pk_lots_debit, pg_temp.pk_lots_total,
    pg_temp.pk_lots_use;
  RETURN rest;
END $$`;

/** Same name and contract as migration 300's: the users' lots from nothing, deterministic. */
const LOTS_REBUILD = `
CREATE OR REPLACE FUNCTION pointkeeper__lots_rebuild(p_user_ids integer[]) RETURNS void
LANGUAGE plpgsql ${PINNED} AS $$
BEGIN
  IF cardinality(p_user_ids) = 0 THEN RETURN; END IF;
  DELETE FROM points_lot_uses WHERE user_id IN (SELECT unnest(p_user_ids));
  DELETE FROM points_lots WHERE user_id IN (SELECT unnest(p_user_ids));
  PERFORM pointkeeper__lots_rebuild_rows(pointkeeper__lots_build_set(p_user_ids));
END $$`;

/** Migration 300's body of the rebuild, for down(). */
const LOTS_REBUILD_300 = `
CREATE OR REPLACE FUNCTION pointkeeper__lots_rebuild(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r points_transactions;
BEGIN
  DELETE FROM points_lot_uses WHERE user_id = ANY(p_user_ids);
  DELETE FROM points_lots WHERE user_id = ANY(p_user_ids);
  FOR r IN SELECT * FROM points_transactions WHERE user_id = ANY(p_user_ids) ORDER BY user_id, id LOOP
    PERFORM pointkeeper__lots_apply(r);
  END LOOP;
END $$`;

/** The columns a row's hash covers (pointkeeper_tx_content): a file must give them all to be sealed as it is written. */
const CONTENT = `ARRAY['id', 'user_id', 'type', 'points', 'description', 'order_id', 'order_amount', 'reverses_id',
  'idempotency_key', 'created_by', 'created_at']`;

const HASHED = (alias: string) =>
  `pointkeeper_tx_content(${alias}.id, ${alias}.user_id, ${alias}.type, ${alias}.points, ${alias}.description,
     ${alias}.order_id, ${alias}.order_amount, ${alias}.reverses_id, ${alias}.idempotency_key, ${alias}.created_by,
     ${alias}.created_at)`;

export const RESTORE = `
CREATE OR REPLACE FUNCTION pointkeeper_restore_write(p_restore_id uuid, p_mode text, p_columns jsonb, p_reseal boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET pointkeeper.restore_replace = 'on' SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  tables text[] := ARRAY['users', 'orders', 'points_rewards', 'user_points', 'points_transactions', 'user_points_redemptions'];
  t text; cols text; setcols text; unknown text; n bigint; removed bigint; broken record; resealed bigint := 0;
  applied jsonb := '{}'::jsonb; max_id bigint; whole boolean := false; outside integer;
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

  -- A replace restore of users with their whole log: after the removal below, the file's rows
  -- are each user's entire history, so they are written with one plain INSERT and their chains
  -- judged (or sealed) on the file's rows themselves.
  whole := p_mode = 'replace' AND jsonb_exists(p_columns, 'users') AND jsonb_exists(p_columns, 'points_transactions')
    AND (SELECT bool_and(jsonb_exists(p_columns->'points_transactions', c)) FROM unnest(${CONTENT}) c);
  IF whole THEN
    SELECT s.user_id INTO outside FROM pg_temp.bk_points_transactions s
    WHERE NOT EXISTS (SELECT 1 FROM pg_temp.bk_users u WHERE u.id = s.user_id) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'The file has log rows of user % but no users row for them; nothing was written.', outside
        USING ERRCODE = 'PK422';
    END IF;
    IF NOT coalesce(p_reseal, false) THEN
      SELECT l.user_id, l.id AS transaction_id, l.kind INTO broken FROM (
        SELECT h.user_id, h.id,
               CASE WHEN h.row_hash IS NULL OR h.prev_hash IS NULL THEN 'unsealed'
                    WHEN h.row_hash <> h.expected_hash THEN 'altered' ELSE 'removed' END AS kind,
               h.row_hash IS NULL OR h.prev_hash IS NULL OR h.row_hash <> h.expected_hash
                 OR h.prev_hash <> h.expected_prev AS bad
        FROM (SELECT s.id, s.user_id, s.row_hash, s.prev_hash,
                     coalesce(lag(s.row_hash) OVER (PARTITION BY s.user_id ORDER BY s.id), '\\x'::bytea) AS expected_prev,
                     public.hmac(s.prev_hash || convert_to(${HASHED('s')}, 'UTF8'), k.chain_key, 'sha256') AS expected_hash
              FROM pg_temp.bk_points_transactions s CROSS JOIN pointkeeper_keys k) h
      ) l WHERE l.bad LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'The restore would leave broken chain links (first: user %, transaction %, %); nothing was written. A file from another Pointkeeper database restores only when acknowledged.',
          broken.user_id, broken.transaction_id, broken.kind USING ERRCODE = 'PK422';
      END IF;
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
    IF t = 'points_transactions' AND whole AND coalesce(p_reseal, false) THEN
      -- Sealed with this database's key as they are written; the count is of the rows whose
      -- hashes that changed (none, for a file whose chains already verified here).
      SELECT string_agg(quote_ident(c), ', ') INTO cols FROM jsonb_array_elements_text(p_columns->t) c
      WHERE c NOT IN ('prev_hash', 'row_hash');
      EXECUTE format('WITH ins AS (
          INSERT INTO points_transactions (%s, prev_hash, row_hash)
          SELECT %s, coalesce(lag(h.sealed) OVER (PARTITION BY h.user_id ORDER BY h.id), ''\\x''::bytea), h.sealed
          FROM (SELECT s.*, pointkeeper_hmac_chain(NULL::bytea, ${HASHED('s').replace(/'/g, "''")}, k.chain_key)
                         OVER (PARTITION BY s.user_id ORDER BY s.id) AS sealed
                FROM pg_temp.bk_points_transactions s CROSS JOIN pointkeeper_keys k) h
          RETURNING id, prev_hash, row_hash)
        SELECT count(*), count(*) FILTER (WHERE (i.prev_hash, i.row_hash) IS DISTINCT FROM (s.prev_hash, s.row_hash))
        FROM ins i JOIN pg_temp.bk_points_transactions s ON s.id = i.id',
        cols, (SELECT string_agg('h.' || quote_ident(c), ', ') FROM jsonb_array_elements_text(p_columns->t) c
               WHERE c NOT IN ('prev_hash', 'row_hash'))) INTO n, resealed;
    ELSIF t = 'points_transactions' AND whole THEN
      EXECUTE format('INSERT INTO points_transactions (%s) SELECT %s FROM pg_temp.bk_points_transactions s', cols, cols);
      GET DIAGNOSTICS n = ROW_COUNT;
    ELSIF t = 'points_transactions' THEN
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

  -- The whole-history path judged or sealed every touched user's chain above.
  IF NOT whole THEN
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
  END IF;
  PERFORM pointkeeper__log('backup.restore.write',
    jsonb_build_object('restoreId', p_restore_id, 'mode', p_mode, 'tables', (SELECT jsonb_agg(k) FROM jsonb_object_keys(p_columns) k),
                       'reseal', coalesce(p_reseal, false)),
    jsonb_build_object('applied', applied, 'resealed', resealed));
  RETURN jsonb_build_object('applied', applied, 'resealed', resealed);
END $$`;

export async function up(knex: Knex): Promise<void> {
  for (const sql of [LOTS_ROWS, LOTS_SET, LOTS_REBUILD, RESTORE]) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(RESTORE_100.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  await knex.raw(LOTS_REBUILD_300);
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper__lots_build_set(integer[])');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper__lots_rebuild_rows(integer[])');
  await applyPrivileges(knex);
}
