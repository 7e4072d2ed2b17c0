import type { Knex } from 'knex';
import { applyPrivileges } from './privileges';

/**
 * Points that expire (issue 21). The balance stays SUM(points) of the log; lots are a derived,
 * checkable structure kept by a trigger on points_transactions, so every writer — earn, redeem,
 * reverse, recovery, bulk grants, restore — maintains them without its body changing.
 *
 * - points_expiry_policies: per credit type, how long a credit lasts (NULL: never), with the
 *   moment it took effect. History is kept, so a credit's expiry follows the policy in force when
 *   it was made, and a rebuild from the log gives the same dates.
 * - points_lots: one per positive row (id = that transaction's id): points, remaining, expires_at.
 * - points_lot_uses: which lots each row took from (>0) or gave back to (<0). A debit the lots
 *   cannot fund (only possible in history older than lots) is recorded with lot_id NULL.
 * - An `expired` row (points < 0) names its lot in expires_lot_id (unique: a lot expires once) and
 *   takes exactly what remains of it. Its description names the lot too, inside the hash chain.
 *
 * Rules (the trigger applies them per row in id order; credits and expiries set-based):
 * - a credit, or any positive row that is not a reversal, opens a lot;
 * - a debit takes from the user's open lots, soonest-expiring first (never-expiring last), ties by
 *   age (lot id);
 * - a reversal of a credit takes what remains of its lot, and anything beyond from the others;
 * - a reversal of a debit gives back to the lots the debit took from; points whose lot has since
 *   expired go into one new lot (the reversal's) that expires when the latest of those did;
 * - a restore rebuilds the lots of the users it touched from their whole log.
 *
 * The migration builds lots for the existing history the same way (in id order, so FIFO by age:
 * every existing credit gets the initial policy, "never").
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;
const LOT_TYPES = `'earned', 'bonus', 'signup', 'first_order', 'adjustment'`;

const TABLES = [
  `CREATE TABLE points_expiry_policies (
     id serial PRIMARY KEY,
     credit_type text NOT NULL CHECK (credit_type IN (${LOT_TYPES})),
     expires_after interval CHECK (expires_after IS NULL OR expires_after >= interval '0'),
     effective_from timestamptz NOT NULL,
     set_by text NOT NULL DEFAULT session_user,
     UNIQUE (credit_type, effective_from))`,
  `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
   SELECT t, NULL, '-infinity', 'migration' FROM unnest(ARRAY[${LOT_TYPES}]) t`,

  `CREATE TABLE points_lots (
     id integer PRIMARY KEY REFERENCES points_transactions (id) ON DELETE CASCADE,
     user_id integer NOT NULL,
     source text NOT NULL CHECK (source IN ('credit', 'returned')),
     credit_type text NOT NULL,
     points integer NOT NULL CHECK (points > 0),
     remaining integer NOT NULL CHECK (remaining >= 0 AND remaining <= points),
     expires_at timestamptz,
     created_at timestamptz NOT NULL,
     expired_by integer UNIQUE)`,
  // A user's open lots in spending order; the expiry run's due lots by user.
  `CREATE INDEX points_lots_open_idx ON points_lots (user_id, expires_at, id) WHERE remaining > 0`,
  `CREATE INDEX points_lots_due_idx ON points_lots (user_id, expires_at)
     WHERE remaining > 0 AND expires_at IS NOT NULL AND expired_by IS NULL`,
  `CREATE INDEX points_lots_user_idx ON points_lots (user_id, id)`,

  `CREATE TABLE points_lot_uses (
     transaction_id integer NOT NULL REFERENCES points_transactions (id) ON DELETE CASCADE,
     lot_id integer REFERENCES points_lots (id) ON DELETE CASCADE,
     user_id integer NOT NULL,
     points integer NOT NULL CHECK (points <> 0),
     UNIQUE NULLS NOT DISTINCT (transaction_id, lot_id))`,
  `CREATE INDEX points_lot_uses_lot_idx ON points_lot_uses (lot_id)`,
  `CREATE INDEX points_lot_uses_user_idx ON points_lot_uses (user_id)`,

  `ALTER TABLE points_transactions ADD COLUMN expires_lot_id integer UNIQUE REFERENCES points_transactions (id)`,
  `ALTER TABLE points_transactions DROP CONSTRAINT points_transactions_type_known`,
  `ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_type_known
     CHECK (type IN ('earned', 'bonus', 'signup', 'first_order', 'redeemed', 'adjustment', 'expired'))`,
  `ALTER TABLE points_transactions DROP CONSTRAINT points_transactions_sign_and_range`,
  `ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_sign_and_range CHECK (
     (type IN ('earned', 'bonus', 'signup', 'first_order') AND points BETWEEN 1 AND 10000)
     OR (type = 'redeemed' AND points BETWEEN -10000 AND -1)
     OR (type = 'adjustment' AND points <> 0)
     OR (type = 'expired' AND points < 0 AND expires_lot_id IS NOT NULL))`,
  `ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_expiry_names_lot
     CHECK (expires_lot_id IS NULL OR type = 'expired')`,
];

/** Internal helpers (owner only): the lot rules, one row at a time, and the rebuild. */
const INTERNAL = [
  // The policy in force when a credit was made.
  `CREATE FUNCTION pointkeeper__expiry_of(p_type text, p_at timestamptz) RETURNS timestamptz
   LANGUAGE sql STABLE AS $$
     SELECT p_at + (SELECT p.expires_after FROM points_expiry_policies p
                    WHERE p.credit_type = p_type AND p.effective_from <= p_at
                    ORDER BY p.effective_from DESC LIMIT 1) $$`,

  // Takes p_need points from the user's open lots in spending order (p_first first, if given);
  // what no lot holds is recorded as unfunded (lot NULL) for the audit to show.
  `CREATE FUNCTION pointkeeper__lots_take(p_tx integer, p_user_id integer, p_need integer, p_first integer)
   RETURNS void LANGUAGE plpgsql AS $$
   DECLARE lot record; take integer;
   BEGIN
     FOR lot IN SELECT l.id, l.remaining FROM points_lots l
                WHERE l.user_id = p_user_id AND l.remaining > 0
                ORDER BY (l.id = p_first) DESC NULLS LAST, l.expires_at ASC NULLS LAST, l.id
                FOR UPDATE LOOP
       EXIT WHEN p_need <= 0;
       take := least(lot.remaining, p_need);
       UPDATE points_lots SET remaining = remaining - take WHERE id = lot.id;
       INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points) VALUES (p_tx, lot.id, p_user_id, take);
       p_need := p_need - take;
     END LOOP;
     IF p_need > 0 THEN
       INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points) VALUES (p_tx, NULL, p_user_id, p_need);
     END IF;
   END $$`,

  `CREATE FUNCTION pointkeeper__lots_apply(r points_transactions) RETURNS void LANGUAGE plpgsql AS $$
   DECLARE lot points_lots; u record; left_over integer; back integer; latest timestamptz; take integer;
   BEGIN
     IF r.type = 'expired' THEN
       SELECT * INTO lot FROM points_lots WHERE id = r.expires_lot_id AND user_id = r.user_id FOR UPDATE;
       take := CASE WHEN FOUND AND lot.expired_by IS NULL THEN least(lot.remaining, -r.points) ELSE 0 END;
       IF take > 0 THEN
         UPDATE points_lots SET remaining = remaining - take, expired_by = r.id WHERE id = lot.id;
         INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points) VALUES (r.id, lot.id, r.user_id, take);
       END IF;
       IF -r.points > take THEN
         INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
         VALUES (r.id, NULL, r.user_id, -r.points - take);
       END IF;
     ELSIF r.points > 0 AND r.reverses_id IS NULL THEN
       INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
       VALUES (r.id, r.user_id, 'credit', r.type, r.points, r.points, pointkeeper__expiry_of(r.type, r.created_at),
               r.created_at);
     ELSIF r.points > 0 THEN
       -- A reversal of a debit: back to the lots it took from, newest-spent last.
       left_over := r.points;
       FOR u IN SELECT x.lot_id, sum(x.points)::integer AS taken FROM points_lot_uses x
                WHERE x.transaction_id = r.reverses_id AND x.lot_id IS NOT NULL
                GROUP BY x.lot_id ORDER BY x.lot_id LOOP
         EXIT WHEN left_over <= 0;
         back := least(u.taken, left_over);
         SELECT * INTO lot FROM points_lots WHERE id = u.lot_id FOR UPDATE;
         -- A lot past its date takes nothing back either: a finished run already judged it.
         IF lot.expired_by IS NULL AND (lot.expires_at IS NULL OR lot.expires_at > r.created_at)
            AND lot.remaining + back <= lot.points THEN
           UPDATE points_lots SET remaining = remaining + back WHERE id = lot.id;
           INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points) VALUES (r.id, lot.id, r.user_id, -back);
           left_over := left_over - back;
         ELSE
           latest := greatest(latest, lot.expires_at);
         END IF;
       END LOOP;
       IF left_over > 0 THEN
         INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
         VALUES (r.id, r.user_id, 'returned', r.type, left_over, left_over, latest, r.created_at);
       END IF;
     ELSE
       PERFORM pointkeeper__lots_take(r.id, r.user_id, -r.points, r.reverses_id);
     END IF;
   END $$`,

  // Deterministic: the users' lots and uses from nothing, every row in id order.
  `CREATE FUNCTION pointkeeper__lots_rebuild(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
   DECLARE r points_transactions;
   BEGIN
     DELETE FROM points_lot_uses WHERE user_id = ANY(p_user_ids);
     DELETE FROM points_lots WHERE user_id = ANY(p_user_ids);
     FOR r IN SELECT * FROM points_transactions WHERE user_id = ANY(p_user_ids) ORDER BY user_id, id LOOP
       PERFORM pointkeeper__lots_apply(r);
     END LOOP;
   END $$`,

  // The migration's fast path for the existing history of users with no reversal whose running
  // balance never went below zero, while every lot never expires (the initial policy): then each
  // debit takes from the oldest lots, and FIFO is the overlap of two running sums per user — the
  // same lots and uses the row-by-row rebuild makes (a test compares them), set-based.
  `CREATE FUNCTION pointkeeper__lots_build_fifo(p_user_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM points_expiry_policies WHERE expires_after IS NOT NULL) THEN
       RAISE EXCEPTION 'the FIFO build is only for lots that never expire' USING ERRCODE = 'PK409';
     END IF;
     CREATE TEMP TABLE pk_fifo ON COMMIT DROP AS
     SELECT t.id, t.user_id, t.type, t.points, t.created_at,
            sum(abs(t.points)::bigint) FILTER (WHERE t.points > 0) OVER w AS credit_hi,
            sum(abs(t.points)::bigint) FILTER (WHERE t.points < 0) OVER w AS debit_hi
     FROM points_transactions t WHERE t.user_id = ANY(p_user_ids)
     WINDOW w AS (PARTITION BY t.user_id ORDER BY t.id);
     INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
     SELECT c.id, c.user_id, 'credit', c.type, c.points,
            c.points - greatest(0, least(c.credit_hi, coalesce(d.spent, 0)) - (c.credit_hi - c.points))::integer,
            NULL, c.created_at
     FROM pk_fifo c
     LEFT JOIN (SELECT user_id, max(debit_hi) AS spent FROM pk_fifo WHERE points < 0 GROUP BY user_id) d
       ON d.user_id = c.user_id
     WHERE c.points > 0;
     INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
     SELECT d.id, c.id, d.user_id,
            (least(d.debit_hi, c.credit_hi) - greatest(d.debit_hi + d.points, c.credit_hi - c.points))::integer
     FROM pk_fifo d JOIN pk_fifo c ON c.user_id = d.user_id AND c.points > 0
       AND c.credit_hi - c.points < d.debit_hi AND d.debit_hi + d.points < c.credit_hi
     WHERE d.points < 0;
     DROP TABLE pk_fifo;
   END $$`,

  // After every INSERT statement on the log. Writers hold the user's lock, so a user's lots
  // change one writer at a time. A statement of only credits and expiries (earn, bulk grants,
  // the expiry run) is applied set-based; anything else row by row in id order.
  `CREATE FUNCTION pointkeeper__lots_after_insert() RETURNS trigger LANGUAGE plpgsql
   SET search_path = pg_catalog, public, pg_temp AS $$
   DECLARE r points_transactions; matched bigint;
   BEGIN
     IF current_setting('pointkeeper.restore_replace', true) = 'on' THEN
       PERFORM pointkeeper__lots_rebuild(array(SELECT DISTINCT user_id FROM new_rows));
       RETURN NULL;
     END IF;
     IF NOT EXISTS (SELECT 1 FROM new_rows WHERE NOT ((points > 0 AND reverses_id IS NULL) OR type = 'expired')) THEN
       INSERT INTO points_lots (id, user_id, source, credit_type, points, remaining, expires_at, created_at)
       SELECT n.id, n.user_id, 'credit', n.type, n.points, n.points, n.created_at + p.expires_after, n.created_at
       FROM new_rows n
       LEFT JOIN LATERAL (SELECT x.expires_after FROM points_expiry_policies x
                          WHERE x.credit_type = n.type AND x.effective_from <= n.created_at
                          ORDER BY x.effective_from DESC LIMIT 1) p ON true
       WHERE n.points > 0 AND n.type <> 'expired';
       IF EXISTS (SELECT 1 FROM new_rows WHERE type = 'expired') THEN
         -- Each expiry takes exactly what remains of its lot, once; anything else is refused.
         UPDATE points_lots l SET remaining = 0, expired_by = n.id
         FROM new_rows n
         WHERE n.type = 'expired' AND l.id = n.expires_lot_id AND l.user_id = n.user_id AND l.expired_by IS NULL
           AND l.remaining = -n.points;
         GET DIAGNOSTICS matched = ROW_COUNT;
         IF matched <> (SELECT count(*) FROM new_rows WHERE type = 'expired') THEN
           RAISE EXCEPTION 'An expired row must take exactly what remains of an open lot of its user, once.'
             USING ERRCODE = 'PK409';
         END IF;
         INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
         SELECT n.id, n.expires_lot_id, n.user_id, -n.points FROM new_rows n WHERE n.type = 'expired';
       END IF;
       RETURN NULL;
     END IF;
     IF NOT EXISTS (SELECT 1 FROM new_rows WHERE NOT (points < 0 AND reverses_id IS NULL AND type <> 'expired')) THEN
       -- Only plain debits (a redeem, a batch of them): no lot opens or closes meanwhile, so each
       -- user's spending order is fixed and FIFO is the overlap of two running sums — the debits'
       -- in id order against the open lots' in spending order.
       -- One statement: a redeem pays for its lots with no extra round of statements.
       WITH d AS (SELECT n.id, n.user_id, -n.points::bigint AS amount,
                         sum(-n.points::bigint) OVER (PARTITION BY n.user_id ORDER BY n.id) AS hi FROM new_rows n),
       -- Per user through the open-lots index: a transition table has no statistics, and a
       -- plan that scanned every lot would cost each redeem the whole table.
       l AS (SELECT x.* FROM (SELECT DISTINCT user_id FROM new_rows) u
             CROSS JOIN LATERAL (
               SELECT pl.id, pl.user_id, pl.remaining::bigint AS remaining,
                      sum(pl.remaining::bigint) OVER (ORDER BY pl.expires_at ASC NULLS LAST, pl.id) AS hi
               FROM points_lots pl WHERE pl.user_id = u.user_id AND pl.remaining > 0) x),
       total AS (SELECT u.user_id, coalesce(max(l.hi), 0) AS held FROM (SELECT DISTINCT user_id FROM d) u
                 LEFT JOIN l ON l.user_id = u.user_id GROUP BY u.user_id),
       takes AS (
         SELECT d.id AS transaction_id, l.id AS lot_id, d.user_id,
                (least(d.hi, l.hi) - greatest(d.hi - d.amount, l.hi - l.remaining))::integer AS points
         FROM d JOIN l ON l.user_id = d.user_id AND l.hi - l.remaining < d.hi AND d.hi - d.amount < l.hi
         UNION ALL
         SELECT d.id, NULL, d.user_id, (d.hi - greatest(d.hi - d.amount, t.held))::integer
         FROM d JOIN total t ON t.user_id = d.user_id WHERE d.hi > t.held),
       moved AS (
         UPDATE points_lots pl SET remaining = pl.remaining - x.taken
         FROM (SELECT lot_id, sum(points)::integer AS taken FROM takes WHERE lot_id IS NOT NULL GROUP BY lot_id) x
         WHERE pl.id = x.lot_id RETURNING pl.id)
       INSERT INTO points_lot_uses (transaction_id, lot_id, user_id, points)
       SELECT transaction_id, lot_id, user_id, points FROM takes;
       RETURN NULL;
     END IF;
     FOR r IN SELECT * FROM new_rows ORDER BY id LOOP
       PERFORM pointkeeper__lots_apply(r);
     END LOOP;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER points_transactions_lots AFTER INSERT ON points_transactions
   REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pointkeeper__lots_after_insert()`,
];

/** What staff call. */
export const FUNCTIONS = [
  `CREATE FUNCTION pointkeeper_expiry_policy_set(p_type text, p_months integer, p_days integer)
   RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE after interval; result jsonb;
   BEGIN
     IF p_type IS NULL OR p_type NOT IN (${LOT_TYPES}) THEN
       RAISE EXCEPTION 'type must be one of earned, bonus, signup, first_order, adjustment.' USING ERRCODE = 'PK422';
     END IF;
     IF p_months IS NOT NULL AND (p_months < 1 OR p_months > 120) THEN
       RAISE EXCEPTION 'months must be a whole number from 1 to 120.' USING ERRCODE = 'PK422';
     END IF;
     IF p_days IS NOT NULL AND (p_days < 1 OR p_days > 3650) THEN
       RAISE EXCEPTION 'days must be a whole number from 1 to 3,650.' USING ERRCODE = 'PK422';
     END IF;
     IF p_months IS NOT NULL AND p_days IS NOT NULL THEN
       RAISE EXCEPTION 'give months or days, not both (or neither: never expires).' USING ERRCODE = 'PK422';
     END IF;
     after := CASE WHEN p_months IS NOT NULL THEN make_interval(months => p_months)
                   WHEN p_days IS NOT NULL THEN make_interval(days => p_days) END;
     -- Two changes in one transaction: the later one stands.
     INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES (p_type, after, now(), session_user)
     ON CONFLICT (credit_type, effective_from) DO UPDATE SET expires_after = excluded.expires_after;
     result := jsonb_build_object('type', p_type, 'months', p_months, 'days', p_days, 'effectiveFrom', now());
     PERFORM pointkeeper__log('expiry.policy.set', jsonb_build_object('type', p_type, 'months', p_months,
       'days', p_days), result);
     RETURN result;
   END $$`,

  // One chunk of an expiry run: up to p_max_users users (by id, after p_after_user) with a lot
  // due by p_as_of. Under the users' locks (the order every writer takes), so a redeem either
  // spent a point before it expired or finds it gone. Set-based: one INSERT of the expiry rows,
  // chained per user; the trigger closes their lots. Idempotent per lot (a lot once expired is
  // never due again) and resumable (a new run picks up what is still due).
  `CREATE FUNCTION pointkeeper_expire(p_as_of timestamptz, p_after_user integer, p_max_users integer)
   RETURNS jsonb LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE ids integer[]; v_lots integer; v_points bigint; v_last integer; result jsonb; missing integer;
   BEGIN
     IF p_as_of IS NULL OR p_as_of > now() THEN
       RAISE EXCEPTION 'as-of must be a moment not in the future (got %).', coalesce(p_as_of::text, 'nothing')
         USING ERRCODE = 'PK422';
     END IF;
     IF p_max_users IS NULL OR p_max_users < 1 OR p_max_users > 100000 THEN
       RAISE EXCEPTION 'a chunk is 1 to 100,000 users.' USING ERRCODE = 'PK422';
     END IF;
     ids := array(SELECT l.user_id FROM points_lots l
                  WHERE l.remaining > 0 AND l.expires_at IS NOT NULL AND l.expired_by IS NULL
                    AND l.expires_at <= p_as_of AND l.user_id > coalesce(p_after_user, 0)
                  GROUP BY l.user_id ORDER BY l.user_id LIMIT p_max_users);
     IF cardinality(ids) = 0 THEN
       RETURN jsonb_build_object('users', 0, 'lots', 0, 'points', 0, 'lastUserId', NULL, 'done', true);
     END IF;
     FOR missing IN SELECT x FROM unnest(ids) x WHERE NOT EXISTS (SELECT 1 FROM user_points up WHERE up.user_id = x) LOOP
       PERFORM pointkeeper__lock(missing);
     END LOOP;
     PERFORM pointkeeper_lock_users(ids);
     -- Read after the locks: what a concurrent redeem spent is no longer there to expire.
     CREATE TEMP TABLE IF NOT EXISTS pk_expire_work (id integer, lot_id integer, user_id integer, points integer,
       description text, seed bytea) ON COMMIT DROP;
     TRUNCATE pk_expire_work;
     INSERT INTO pk_expire_work (id, seed, lot_id, user_id, points, description)
     SELECT nextval('points_transactions_id_seq'),
            coalesce((SELECT p.row_hash FROM points_transactions p WHERE p.user_id = d.user_id ORDER BY p.id DESC LIMIT 1),
                     '\\x'::bytea),
            d.id, d.user_id, d.take, format('Expired: lot %s (%s points, %s %s), due %s', d.id,
              pointkeeper__fmt(d.points), d.credit_type, to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
              to_char(d.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
     FROM (
       SELECT l.*, least(l.remaining, greatest(b.balance - coalesce(sum(l.remaining) OVER w, 0) + l.remaining, 0))::integer AS take
       FROM points_lots l
       JOIN (SELECT t.user_id, sum(t.points) AS balance FROM points_transactions t WHERE t.user_id = ANY(ids)
             GROUP BY t.user_id) b ON b.user_id = l.user_id
       WHERE l.user_id = ANY(ids) AND l.remaining > 0 AND l.expires_at IS NOT NULL AND l.expired_by IS NULL
         AND l.expires_at <= p_as_of
       WINDOW w AS (PARTITION BY l.user_id ORDER BY l.expires_at, l.id)
     ) d
     -- Never below zero: a lot the log's balance cannot cover (lots above the log: a discrepancy
     -- for the audit and recovery) is left for a person, not expired in part.
     WHERE d.take = d.remaining;
     INSERT INTO points_transactions (id, user_id, type, points, description, expires_lot_id, created_by, created_at,
       prev_hash, row_hash)
     SELECT h.id, h.user_id, 'expired', -h.points, h.description, h.lot_id, session_user, now(),
            coalesce(lag(h.row_hash) OVER w, h.seed), h.row_hash
     FROM (
       SELECT x.*, pointkeeper_hmac_chain(x.seed, pointkeeper_tx_content(x.id, x.user_id, 'expired', -x.points,
                x.description, NULL, NULL, NULL, NULL, session_user::text, now()), pointkeeper__key())
                OVER (PARTITION BY x.user_id ORDER BY x.id) AS row_hash
       FROM pk_expire_work x
     ) h
     WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id)
     ORDER BY h.id;
     SELECT count(*), coalesce(sum(points), 0) INTO v_lots, v_points FROM pk_expire_work;
     UPDATE user_points up SET points = up.points - s.p, total_redeemed = up.total_redeemed + s.p, updated_at = now()
     FROM (SELECT user_id, sum(points) AS p FROM pk_expire_work GROUP BY user_id) s WHERE up.user_id = s.user_id;
     UPDATE users us SET rewards = greatest(us.rewards - s.p, 0), updated_at = now()
     FROM (SELECT user_id, sum(points) AS p FROM pk_expire_work GROUP BY user_id) s WHERE us.id = s.user_id;
     v_last := ids[cardinality(ids)];
     result := jsonb_build_object('users', (SELECT count(DISTINCT user_id) FROM pk_expire_work), 'lots', v_lots,
       'points', v_points, 'lastUserId', v_last, 'done', cardinality(ids) < p_max_users);
     PERFORM pointkeeper__log('points.expire.chunk', jsonb_build_object('asOf', p_as_of, 'afterUser', p_after_user,
       'maxUsers', p_max_users), result);
     RETURN result;
   END $$`,

  // Recovery: lots rebuilt from the log, under the users' locks.
  `CREATE FUNCTION pointkeeper_lots_rebuild(p_user_ids integer[]) RETURNS jsonb
   LANGUAGE plpgsql ${DEFINER} AS $$
   DECLARE n integer; result jsonb;
   BEGIN
     IF p_user_ids IS NULL OR cardinality(p_user_ids) = 0 OR cardinality(p_user_ids) > 100000 THEN
       RAISE EXCEPTION 'rebuild 1 to 100,000 users at a time.' USING ERRCODE = 'PK422';
     END IF;
     PERFORM pointkeeper_lock_users(p_user_ids);
     PERFORM pointkeeper__lots_rebuild(p_user_ids);
     SELECT count(*) INTO n FROM points_lots WHERE user_id = ANY(p_user_ids);
     result := jsonb_build_object('users', cardinality(p_user_ids), 'lots', n);
     PERFORM pointkeeper__log('expiry.lots.rebuild', jsonb_build_object('users', cardinality(p_user_ids)), result);
     RETURN result;
   END $$`,
];

export async function up(knex: Knex): Promise<void> {
  for (const sql of [...TABLES, ...INTERNAL, ...FUNCTIONS]) await knex.raw(sql);
  // Existing history: lots in id order (FIFO by age; every credit so far never expires). Users
  // with a reversal or a history that went below zero are rebuilt row by row; the rest set-based.
  const started = Date.now();
  // One statement, so one transaction and one session whoever runs it.
  await knex.raw(`DO $$ BEGIN
    CREATE TEMP TABLE pk_history_users ON COMMIT DROP AS
    SELECT user_id, bool_or(reverses_id IS NOT NULL) OR min(running) < 0 AS row_by_row
    FROM (SELECT user_id, reverses_id, sum(points) OVER (PARTITION BY user_id ORDER BY id) AS running
          FROM points_transactions) h GROUP BY user_id;
    PERFORM pointkeeper__lots_build_fifo(array(SELECT user_id FROM pk_history_users WHERE NOT row_by_row));
    PERFORM pointkeeper__lots_rebuild(array(SELECT user_id FROM pk_history_users WHERE row_by_row));
    DROP TABLE pk_history_users;
  END $$`);
  const built = (await knex.raw(`SELECT count(*)::int AS n FROM points_lots`)) as {
    rows: Array<{ n: number }>;
  };
  if (built.rows[0]!.n > 0)
    console.error(
      `Migration 300 built ${built.rows[0]!.n} points lots from the existing history, first in first out (${Date.now() - started} ms).`,
    );
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  const n = (await knex.raw(`SELECT count(*)::int AS n FROM points_transactions WHERE type = 'expired'`)) as {
    rows: Array<{ n: number }>;
  };
  if (n.rows[0]!.n > 0) throw new Error('Expiry rows exist in the log: migration 300 cannot be rolled back.');
  await knex.raw('DROP TRIGGER IF EXISTS points_transactions_lots ON points_transactions');
  for (const fn of [
    'pointkeeper_lots_rebuild(integer[])',
    'pointkeeper_expire(timestamptz, integer, integer)',
    'pointkeeper_expiry_policy_set(text, integer, integer)',
    'pointkeeper__lots_after_insert()',
    'pointkeeper__lots_rebuild(integer[])',
    'pointkeeper__lots_build_fifo(integer[])',
    'pointkeeper__lots_apply(points_transactions)',
    'pointkeeper__lots_take(integer, integer, integer, integer)',
    'pointkeeper__expiry_of(text, timestamptz)',
  ])
    await knex.raw(`DROP FUNCTION IF EXISTS ${fn}`);
  await knex.raw('DROP TABLE IF EXISTS points_lot_uses, points_lots, points_expiry_policies');
  await knex.raw(`ALTER TABLE points_transactions DROP CONSTRAINT points_transactions_expiry_names_lot,
    DROP CONSTRAINT points_transactions_sign_and_range, DROP CONSTRAINT points_transactions_type_known`);
  await knex.raw(`ALTER TABLE points_transactions DROP COLUMN expires_lot_id`);
  await knex.raw(`ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_type_known
    CHECK (type IN ('earned', 'bonus', 'signup', 'first_order', 'redeemed', 'adjustment'))`);
  await knex.raw(`ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_sign_and_range CHECK (
     (type IN ('earned', 'bonus', 'signup', 'first_order') AND points BETWEEN 1 AND 10000)
     OR (type = 'redeemed' AND points BETWEEN -10000 AND -1) OR (type = 'adjustment' AND points <> 0))`);
}
