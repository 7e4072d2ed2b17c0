import type { Knex } from 'knex';
import { chainEvidence, writers } from './20261202_610_fast_sync';
import { SETTINGS as SETTINGS_650, VERSIONS_650 } from './20261202_650_cheap_row_versions';
import { applyPrivileges } from './privileges';

/**
 * A preview hashes only the chains nobody has checked since they last changed (issue 20, sync).
 *
 * Each preview records, for every user whose chain it found intact, the versions of their log
 * rows (recovery_chain_verified, migration 650), and apply already skips the HMAC for a user
 * whose rows still have exactly those versions. The preview itself did not: a second preview of
 * the same scope (after a conflict, a cancel, a crash mid-apply, or an admin's second look)
 * hashed every row again — at full size 3M rows, 25 s of a 67 s sync on PG 15.
 *
 * Now the preview first reads the versions of the users that have a record (one parallel pass,
 * no HMAC), and hashes only the others. A row rewritten, removed or added behind the triggers
 * since the check is a new version, so that user is hashed again. The record is the database's
 * word: only the owner's functions write it, and the owner can reseal any history with the key
 * anyway (migration 650).
 *
 * The hashing itself is migration 650's function, unchanged, under an internal name.
 *
 * It also installs migration 610's writers again as that file now defines them: their id-range
 * reads were fixed in its text after some databases had run it, and those kept an apply that
 * hashed every record once per chunk (13 s of a 42 s apply at full size). On a database that ran
 * the fixed text this changes nothing.
 */

const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp`;
const PUBLIC_HEAD = 'FUNCTION pointkeeper_recovery_chain_evidence(p_user_ids integer[])';
const HASHING = 'pointkeeper__recovery_chain_hash';

/** Migration 650's evidence function under the internal name: it hashes every user it is given. */
function hashing(): string {
  const sql = chainEvidence(VERSIONS_650);
  if (!sql.includes(PUBLIC_HEAD))
    throw new Error('Migration 690: the chain evidence function was not found.');
  return sql.replace(PUBLIC_HEAD, `FUNCTION ${HASHING}(p_user_ids integer[])`);
}

const EVIDENCE = `
CREATE OR REPLACE FUNCTION pointkeeper_recovery_chain_evidence(p_user_ids integer[])
  RETURNS TABLE (user_id integer, transaction_id integer, previous_id integer, kind text)
  LANGUAGE plpgsql ${DEFINER} SET jit = off SET work_mem = '64MB' AS $$
DECLARE unchecked integer[] := p_user_ids;
BEGIN
  -- The users a check found intact whose rows are exactly the versions it saw. Read in one pass
  -- the server's workers share (CREATE TABLE AS may use them), for the recorded users only.
  DROP TABLE IF EXISTS pg_temp.pk_recovery_known;
  EXECUTE $q$
    CREATE TEMP TABLE pk_recovery_known ON COMMIT DROP AS
    SELECT c.user_id
    FROM (SELECT t.user_id, ${VERSIONS_650.user} AS versions
          FROM (SELECT t.user_id, ${VERSIONS_650.row} AS version
                FROM points_transactions t WHERE t.user_id = ANY($1)) t
          GROUP BY t.user_id) c
    JOIN recovery_chain_verified v ON v.user_id = c.user_id AND v.versions = c.versions$q$
  USING ARRAY(SELECT v.user_id FROM recovery_chain_verified v WHERE v.user_id = ANY(p_user_ids));
  unchecked := ARRAY(SELECT u.id FROM unnest(p_user_ids) u(id)
                     EXCEPT SELECT k.user_id FROM pg_temp.pk_recovery_known k);
  DROP TABLE pg_temp.pk_recovery_known;
  IF cardinality(unchecked) > 0 THEN
    RETURN QUERY SELECT h.user_id, h.transaction_id, h.previous_id, h.kind FROM ${HASHING}(unchecked) h;
  END IF;
END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(hashing());
  await knex.raw(`ALTER FUNCTION ${HASHING}(integer[]) SET jit = off SET work_mem = '64MB'`);
  await knex.raw(EVIDENCE);
  for (const sql of writers(VERSIONS_650)) await knex.raw(sql);
  await knex.raw(SETTINGS_650[1]!);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(chainEvidence(VERSIONS_650));
  await knex.raw(SETTINGS_650[0]!);
  await knex.raw(`DROP FUNCTION IF EXISTS ${HASHING}(integer[])`);
  await applyPrivileges(knex);
}
