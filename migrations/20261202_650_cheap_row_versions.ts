import type { Knex } from 'knex';
import { chainEvidence, VERSIONS_610, writers, type RowVersions } from './20261202_610_fast_sync';
import { applyPrivileges } from './privileges';

/**
 * A cheaper fingerprint of a user's row versions (issue 20, sync). The preview records, for every
 * user whose chain it found intact, which versions of their log rows it checked; apply hashes a
 * user's chain again only when those versions changed (an UPDATE, DELETE or INSERT behind the
 * triggers). Migration 610 fingerprinted them as the md5 of every row's ctid and xmin as text,
 * joined in id order: a sort and a string per user in apply's read of every chunk, which made
 * that read 2–3 times the cost of the sums it exists for.
 *
 * Now each row version is hashed on its own (hashtidextended of its ctid, seeded with its xmin)
 * and a user's hashes are combined with XOR: no order, no string. Any changed, removed or added
 * row version changes the result unless 64-bit hashes collide. XOR is not a cryptographic
 * commitment, and need not be: only the log's owner can write behind the triggers, and the owner
 * can read the chain's key and reseal any history anyway. What this catches is what the chain
 * catches: an edit made without the key. Records made with the old fingerprint never match the
 * new one, so they are dropped (a user without a record is simply hashed again).
 */

export const VERSIONS_650: RowVersions = {
  row: `hashtidextended(t.ctid, t.xmin::text::bigint)`,
  user: `bit_xor(version)::text`,
};

/**
 * Settings for the two functions' own statements (CREATE OR REPLACE, as down runs it, drops
 * them again). Neither changes what is computed.
 * - jit = off: on PostgreSQL 15 with its defaults, compiling the chain check's expressions took
 *   1.5 s in the leader and as much in each worker, for a query whose rows are each hashed by a
 *   function call JIT cannot make cheaper (full size, 3M rows: 21.7 s → 16.6 s with the next).
 * - work_mem = 64MB for the chain check: the window sorts the users' rows by id, 264 MB of them
 *   at full size; with the default 4 MB the external merge took 3.6 s, with 64 MB 2.6 s. It is
 *   one sort in one session, during a preview an admin started.
 */
export const SETTINGS = [
  `ALTER FUNCTION pointkeeper_recovery_chain_evidence(integer[]) SET jit = off SET work_mem = '64MB'`,
  `ALTER FUNCTION pointkeeper_recovery_apply_chunk(uuid, integer[], text) SET jit = off`,
];

interface Install {
  versions: RowVersions;
  settings: string[];
  persistence: 'LOGGED' | 'UNLOGGED';
}

async function install(knex: Knex, { versions, settings, persistence }: Install): Promise<void> {
  await knex.raw('TRUNCATE recovery_chain_verified');
  // The record is a cache of checks already made: after a crash a user without one is hashed
  // again, so it need not pay for WAL (a full-size preview writes 300,000 of them; 3.5 s logged).
  await knex.raw(`ALTER TABLE recovery_chain_verified SET ${persistence}`);
  for (const sql of [chainEvidence(versions), ...writers(versions), ...settings]) await knex.raw(sql);
  await applyPrivileges(knex);
}

export async function up(knex: Knex): Promise<void> {
  await install(knex, { versions: VERSIONS_650, settings: SETTINGS, persistence: 'UNLOGGED' });
}

export async function down(knex: Knex): Promise<void> {
  await install(knex, { versions: VERSIONS_610, settings: [], persistence: 'LOGGED' });
}
