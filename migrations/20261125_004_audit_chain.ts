import type { Knex } from 'knex';

/**
 * Tamper evidence for the log: every row of a user carries a link in a hash chain.
 *
 *   content(row)  = the row's canonical text, pointkeeper_tx_content(...) below
 *   prev_hash     = row_hash of the user's previous row (by id), or '\x' (empty) for the first row
 *   row_hash      = sha256(prev_hash || convert_to(content(row), 'UTF8'))
 *
 * The canonical content is PostgreSQL's text of
 *   json_build_array(id, user_id, type, points, description, order_id, order_amount::text,
 *                    reverses_id, idempotency_key, created_by, created_at in UTC as
 *                    YYYY-MM-DDTHH:MM:SS.ffffffZ)
 * i.e. `[1, 7, "earned", 50, "Welcome bonus", null, null, null, null, "postgres", "2026-…Z"]`:
 * JSON values separated by ", ", independent of the session's time zone and date style, so a
 * restore (or anyone with the rows) recomputes the same hashes.
 *
 * pointkeeper_chain(seed, content) is an aggregate whose state is the running hash: used as a
 * window function OVER (PARTITION BY user_id ORDER BY id) it gives every row's row_hash in one
 * pass, starting from `seed` (a user's last stored hash, or NULL for a user with no rows yet).
 */
const CONTENT_ARGS = `id integer, user_id integer, type text, points integer, description text,
  order_id integer, order_amount numeric, reverses_id integer, idempotency_key text,
  created_by text, created_at timestamptz`;

const TRIGGER = 'points_transactions_append_only';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION pointkeeper_tx_content(${CONTENT_ARGS}) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT json_build_array(id, user_id, type, points, description, order_id, order_amount::numeric(12, 2)::text,
        reverses_id, idempotency_key, created_by,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
    $$`);
  await knex.raw(`
    CREATE OR REPLACE FUNCTION pointkeeper_chain_step(state bytea, seed bytea, content text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT sha256(coalesce(state, seed, '\\x'::bytea) || convert_to(content, 'UTF8'))
    $$`);
  await knex.raw(`DROP AGGREGATE IF EXISTS pointkeeper_chain(bytea, text)`);
  await knex.raw(`CREATE AGGREGATE pointkeeper_chain(bytea, text) (
    SFUNC = pointkeeper_chain_step, STYPE = bytea, PARALLEL = SAFE)`);

  await knex.raw(`ALTER TABLE points_transactions
    ADD COLUMN IF NOT EXISTS prev_hash bytea, ADD COLUMN IF NOT EXISTS row_hash bytea`);
  // The chain follows id within a user: appending reads the user's last row by this index.
  await knex.raw(
    'CREATE INDEX IF NOT EXISTS points_transactions_user_chain_idx ON points_transactions (user_id, id)',
  );

  // Seal the rows written before this migration. The log refuses UPDATE; the owner lifts that
  // for this one statement, inside the migration's transaction.
  await knex.raw(`ALTER TABLE points_transactions DISABLE TRIGGER ${TRIGGER}`);
  await knex.raw(`
    UPDATE points_transactions t SET prev_hash = c.prev_hash, row_hash = c.row_hash
    FROM (
      SELECT id, row_hash, coalesce(lag(row_hash) OVER w, '\\x'::bytea) AS prev_hash
      FROM (
        SELECT id, user_id, pointkeeper_chain(NULL::bytea, pointkeeper_tx_content(id, user_id, type, points,
                 description, order_id, order_amount, reverses_id, idempotency_key, created_by, created_at))
                 OVER (PARTITION BY user_id ORDER BY id) AS row_hash
        FROM points_transactions
      ) h
      WINDOW w AS (PARTITION BY user_id ORDER BY id)
    ) c
    WHERE c.id = t.id`);
  await knex.raw(`ALTER TABLE points_transactions ENABLE TRIGGER ${TRIGGER}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS points_transactions_user_chain_idx');
  await knex.raw(
    `ALTER TABLE points_transactions DROP COLUMN IF EXISTS prev_hash, DROP COLUMN IF EXISTS row_hash`,
  );
  await knex.raw('DROP AGGREGATE IF EXISTS pointkeeper_chain(bytea, text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_chain_step(bytea, bytea, text)');
  await knex.raw(`DROP FUNCTION IF EXISTS pointkeeper_tx_content(${CONTENT_ARGS})`);
}
