import type { Knex } from 'knex';
import { STAGED_BREAKS } from './20261202_100_write_api';
import { FUNCTIONS as EXPIRY_FUNCTIONS } from './20261202_300_expiry';
import { RESTORE } from './20261202_620_setbased_restore';
import { SEAL } from './20261202_630_demo_bulk';
import { applyPrivileges } from './privileges';

/**
 * The chain key read once per statement, not once per row (issue 20).
 *
 * pointkeeper__key() is a SQL function that reads pointkeeper_keys. A function whose body reads
 * a table is never inlined, and a STABLE one is not folded into a constant, so where a set-based
 * statement passed it to the HMAC of every row it ran a query per row: 3.6 µs a call on PG 15
 * (a million calls 3.75 s, against 0.18 s for the same key as an uncorrelated subquery, which
 * PostgreSQL evaluates once per statement as an InitPlan) — more than the HMAC itself.
 *
 * The functions that did so — the demo's seal, the expiry run, a restore's reseal and the file
 * check `backup verify` runs — are recreated with the subquery in its place; nothing else in them
 * changes, so every hash is the same bytes. Single-row paths (pointkeeper__append) and functions
 * that read it into a variable first (grants) already read it once.
 */

const KEY_ONCE = '(SELECT k_.chain_key FROM public.pointkeeper_keys k_ WHERE k_.id = 1)';
const PER_ROW = 'pointkeeper__key()';

const EXPIRE = EXPIRY_FUNCTIONS.find((sql) => sql.includes('FUNCTION pointkeeper_expire('));

const orReplace = (sql: string) => sql.replace(/^\s*CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');

/** Each function as its migration left it. */
const BEFORE = [STAGED_BREAKS, EXPIRE, RESTORE, SEAL].map((sql) => {
  if (sql === undefined) throw new Error('Migration 670: a function it recreates was not found.');
  return orReplace(sql);
});

export function keyOnce(sql: string): string {
  if (!sql.includes(PER_ROW)) throw new Error('Migration 670: a function no longer reads the key per row.');
  return sql.replaceAll(PER_ROW, KEY_ONCE);
}

export async function up(knex: Knex): Promise<void> {
  for (const sql of BEFORE) await knex.raw(keyOnce(sql));
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const sql of BEFORE) await knex.raw(sql);
  await applyPrivileges(knex);
}
