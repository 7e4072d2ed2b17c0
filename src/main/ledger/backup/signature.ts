import type { Knex } from 'knex';
import type { BackupSignature, SignatureCheck } from '../../../shared/contract/backup';

/**
 * A backup's keyed signature (migration 20261202_150_backup_signing): the database signs the
 * file's SHA-256 with a key no login can read, naming the signer (the session's login) and the
 * time (its clock). Only the database that signed can tell its own signature from a forgery.
 */
export async function signDigest(db: Knex, sha256: string): Promise<BackupSignature> {
  const r = (await db.raw(
    `SELECT signature, signer, signed_at, key_fingerprint FROM pointkeeper_backup_sign(?)`,
    [sha256],
  )) as { rows: Array<{ signature: string; signer: string; signed_at: string; key_fingerprint: string }> };
  const row = r.rows[0]!;
  return {
    signature: row.signature,
    signer: row.signer,
    signedAt: row.signed_at,
    keyFingerprint: row.key_fingerprint,
  };
}

/** Who made a file, as far as this database can tell, in the words the preview shows. */
export async function checkSignature(
  db: Knex,
  sha256: string,
  signature: BackupSignature | null,
): Promise<SignatureCheck> {
  const here = (await db.raw(`SELECT pointkeeper_backup_key_fingerprint() AS fp`)) as {
    rows: Array<{ fp: string }>;
  };
  const thisKey = here.rows[0]!.fp;
  if (!signature)
    return {
      status: 'unsigned',
      signature: null,
      thisDatabaseKey: thisKey,
      text: 'unsigned/unknown: the file carries no signature (a version 1 or 2 file, or one made elsewhere); nothing says who made it',
    };
  const ok = (await db.raw(`SELECT pointkeeper_backup_verify(?, ?, ?, ?) AS ok`, [
    sha256,
    signature.signer,
    signature.signedAt,
    signature.signature,
  ])) as { rows: Array<{ ok: boolean }> };
  if (ok.rows[0]!.ok)
    return {
      status: 'this_database',
      signature,
      thisDatabaseKey: thisKey,
      text: `signed by this database (exported by ${signature.signer} at ${signature.signedAt})`,
    };
  return {
    status: 'other_database',
    signature,
    thisDatabaseKey: thisKey,
    text:
      signature.keyFingerprint === thisKey
        ? `the signature names this database's key (${thisKey}) but does not match the file: it was forged or the file altered`
        : `signed by another Pointkeeper database (key fingerprint ${signature.keyFingerprint}), as ${signature.signer} at ${signature.signedAt}; this database cannot check it`,
  };
}
