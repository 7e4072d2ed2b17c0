import type { Knex } from 'knex';

/**
 * A `replace` restore must remove log rows, which the append-only trigger refuses. The way round
 * it is deliberate and narrow:
 *
 * - pointkeeper_restore_remove_transactions(user_ids) is SECURITY DEFINER (it runs as the
 *   schema's owner), executable by pointkeeper_admin only, and deletes the log rows of exactly
 *   the given users. Its SET clause turns pointkeeper.restore_replace on for the duration of the
 *   call only.
 * - The append-only trigger lets a DELETE on points_transactions through only while that setting
 *   is on AND the current user owns the table — true inside the function, false for any staff
 *   login that sets the variable itself. UPDATE and TRUNCATE stay refused for everyone.
 *
 * The restore that calls it writes a safety backup first, runs in one transaction, and verifies
 * every restored user's chain before committing (src/main/ledger/backup/apply.ts).
 */
const REFUSE_ORIGINAL = `
  CREATE OR REPLACE FUNCTION pointkeeper_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION pointkeeper_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'points_transactions'
         AND current_setting('pointkeeper.restore_replace', true) = 'on'
         AND current_user = (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                             WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`
    CREATE OR REPLACE FUNCTION pointkeeper_restore_remove_transactions(user_ids integer[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET pointkeeper.restore_replace = 'on' AS $$
    DECLARE removed bigint;
    BEGIN
      DELETE FROM points_transactions WHERE user_id = ANY(user_ids);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END $$`);
  await knex.raw('REVOKE ALL ON FUNCTION pointkeeper_restore_remove_transactions(integer[]) FROM PUBLIC');
  await knex.raw(
    'GRANT EXECUTE ON FUNCTION pointkeeper_restore_remove_transactions(integer[]) TO pointkeeper_admin',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_restore_remove_transactions(integer[])');
  await knex.raw(REFUSE_ORIGINAL);
}
