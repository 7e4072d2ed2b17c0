import type { Knex } from 'knex';
import { INTERNAL } from './20261202_100_write_api';
import { VERSIONS_650 } from './20261202_650_cheap_row_versions';
import { SEAL as SEAL_680 } from './20261203_680_demo_seal_one_pass';
import { applyPrivileges } from './privileges';

/**
 * The functions that seal rows keep the record of an intact chain up to date (issue 20, sync).
 *
 * A record (recovery_chain_verified, migrations 650 and 690) says: this user's log rows, whose
 * versions XOR to this value, passed the chain check. A preview and apply trust it instead of
 * hashing the rows again while the versions still match. Until now only a preview's own check
 * wrote one, so the first preview after any write hashed the whole history of every unclean user.
 *
 * A row sealed by pointkeeper__append is intact and linked by construction: the function computed
 * its hash from the user's last row. So the record can take it in, by XORing in its version:
 * - if the rows were what the record says, the record now says exactly the rows plus this one;
 * - if they were not (a row changed behind the triggers), the difference survives the XOR, the
 *   record still does not match, and the next preview hashes that user.
 * A user's first row (no previous hash) starts a record of that row alone; it matches only if it
 * is the user's only row, and then it is intact. A record is never made for rows nobody checked.
 *
 * The demo's seal writes every row of new users in one statement, so it records them whole.
 * Other writers (the expiry run, restores, grants) leave records as they are: the versions no
 * longer match, and the user is hashed again, as before.
 */

const ROW_VERSION = VERSIONS_650.row;

function replaceOnce(sql: string, from: string, to: string): string {
  if (sql.split(from).length !== 2) throw new Error(`Migration 700: expected one "${from.slice(0, 60)}…".`);
  return sql.replace(from, () => to);
}

const APPEND_100 = INTERNAL.find((sql) => sql.includes('FUNCTION pointkeeper__append('));

function append(): string {
  if (APPEND_100 === undefined) throw new Error('Migration 700: pointkeeper__append was not found.');
  let sql = APPEND_100.replace(/^\s*CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');
  sql = replaceOnce(
    sql,
    'DECLARE r points_transactions;',
    'DECLARE r points_transactions; new_version bigint;',
  );
  sql = replaceOnce(sql, 'INSERT INTO points_transactions (id,', 'INSERT INTO points_transactions AS t (id,');
  return replaceOnce(
    sql,
    'r.prev_hash, r.row_hash);\n     RETURN r;',
    `r.prev_hash, r.row_hash)
     RETURNING ${ROW_VERSION} INTO new_version;
     IF r.prev_hash = '\\x'::bytea THEN
       INSERT INTO recovery_chain_verified AS v (user_id, versions, verified_at)
       VALUES (p_user_id, new_version::text, now())
       ON CONFLICT ON CONSTRAINT recovery_chain_verified_pkey
         DO UPDATE SET versions = excluded.versions, verified_at = excluded.verified_at;
     ELSE
       UPDATE recovery_chain_verified v SET versions = (v.versions::bigint # new_version)::text
       WHERE v.user_id = p_user_id;
     END IF;
     RETURN r;`,
  );
}

function seal(): string {
  let sql = replaceOnce(
    SEAL_680,
    '  INSERT INTO points_transactions (id, user_id,',
    '  WITH sealed AS (\n  INSERT INTO points_transactions AS t (id, user_id,',
  );
  sql = replaceOnce(
    sql,
    '  WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id);\n  GET DIAGNOSTICS n_tx = ROW_COUNT;',
    `  WINDOW w AS (PARTITION BY h.user_id ORDER BY h.id)
  RETURNING t.user_id, ${ROW_VERSION} AS version)
  -- These users had no rows: every row they have was sealed by this statement, so the record of
  -- their chain is exact.
  INSERT INTO recovery_chain_verified AS v (user_id, versions, verified_at)
  SELECT s.user_id, ${VERSIONS_650.user}, now() FROM sealed s GROUP BY s.user_id
  ON CONFLICT ON CONSTRAINT recovery_chain_verified_pkey
    DO UPDATE SET versions = excluded.versions, verified_at = excluded.verified_at;
  -- Every staged row went into the log.
  n_tx := (SELECT count(*) FROM pg_temp.demo_tx);`,
  );
  return sql;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(append());
  await knex.raw(seal());
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  if (APPEND_100 === undefined) throw new Error('Migration 700: pointkeeper__append was not found.');
  await knex.raw(APPEND_100.replace(/^\s*CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION'));
  await knex.raw(SEAL_680);
  await applyPrivileges(knex);
}
