import type { Knex } from 'knex';

/**
 * Signed backups (README "Signatures"). A checksum proves a file is intact, not who made it: each
 * database holds a random key that only its owner role can read, and signs a backup's SHA-256
 * with it as HMAC-SHA256(key, digest | signer login | signing time). Any staff login can ask
 * whether a (digest, signer, time, signature) was made with this database's key, and for the
 * key's fingerprint (the first 16 hex digits of sha256(key)) to name it; nobody reads the key.
 */
const SIGNED_TEXT = `convert_to(digest || '|' || signer || '|' || signed_at, 'UTF8')`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto');
  await knex.raw(`
    CREATE TABLE pointkeeper_backup_key (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      key bytea NOT NULL DEFAULT gen_random_bytes(32) CHECK (length(key) = 32),
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw('INSERT INTO pointkeeper_backup_key DEFAULT VALUES');
  await knex.raw('REVOKE ALL ON pointkeeper_backup_key FROM PUBLIC');

  await knex.raw(`
    CREATE FUNCTION pointkeeper_backup_key_fingerprint() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      SELECT left(encode(sha256(key), 'hex'), 16) FROM pointkeeper_backup_key
    $$`);

  await knex.raw(`
    CREATE FUNCTION pointkeeper_backup_mac(digest text, signer text, signed_at text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      SELECT encode(hmac(${SIGNED_TEXT}, key, 'sha256'), 'hex') FROM pointkeeper_backup_key
    $$`);
  // The MAC itself is for the two functions below only: a caller could otherwise sign as anyone.
  await knex.raw('REVOKE ALL ON FUNCTION pointkeeper_backup_mac(text, text, text) FROM PUBLIC');

  // The signer is the session's own login and the time the server's clock: a caller names only
  // the digest. Every signature is in the operations log.
  await knex.raw(`
    CREATE FUNCTION pointkeeper_backup_sign(digest text)
    RETURNS TABLE (signature text, signer text, signed_at text, key_fingerprint text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
      who text := session_user::text;
      stamp text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
      mac text;
      fp text := pointkeeper_backup_key_fingerprint();
    BEGIN
      IF digest IS NULL OR digest !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'a backup digest is 64 lowercase hex digits' USING ERRCODE = '22023';
      END IF;
      mac := pointkeeper_backup_mac(digest, who, stamp);
      INSERT INTO operations_log (actor, action, input, outcome, result)
      VALUES (who, 'backup.sign', jsonb_build_object('sha256', digest), 'ok',
              jsonb_build_object('signer', who, 'signedAt', stamp, 'keyFingerprint', fp));
      RETURN QUERY SELECT mac, who, stamp, fp;
    END $$`);

  await knex.raw(`
    CREATE FUNCTION pointkeeper_backup_verify(digest text, signer text, signed_at text, signature text)
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      SELECT pointkeeper_backup_mac(digest, signer, signed_at) = lower(signature)
    $$`);

  for (const fn of [
    'pointkeeper_backup_key_fingerprint()',
    'pointkeeper_backup_sign(text)',
    'pointkeeper_backup_verify(text, text, text, text)',
  ]) {
    await knex.raw(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
  }
  // Exports (and the safety backups of restores) are admin work; any staff login may check a
  // signature and see the key's fingerprint.
  await knex.raw('GRANT EXECUTE ON FUNCTION pointkeeper_backup_sign(text) TO pointkeeper_admin');
  for (const role of ['pointkeeper_auditor', 'pointkeeper_operator', 'pointkeeper_admin']) {
    await knex.raw(`GRANT EXECUTE ON FUNCTION pointkeeper_backup_key_fingerprint() TO ${role}`);
    await knex.raw(`GRANT EXECUTE ON FUNCTION pointkeeper_backup_verify(text, text, text, text) TO ${role}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_backup_verify(text, text, text, text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_backup_sign(text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_backup_mac(text, text, text)');
  await knex.raw('DROP FUNCTION IF EXISTS pointkeeper_backup_key_fingerprint()');
  await knex.raw('DROP TABLE IF EXISTS pointkeeper_backup_key');
}
