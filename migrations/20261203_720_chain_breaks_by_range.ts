import type { Knex } from 'knex';
import { CHAIN } from './20261202_100_write_api';
import { applyPrivileges } from './privileges';

/**
 * The chain check of a range of users reads only that range of the log (issue 20, the audit
 * scan with the chain on a stock server).
 *
 * pointkeeper_chain_breaks(p_from, p_to) filtered with `(p_from IS NULL OR user_id >= p_from)`.
 * A SQL function that cannot be inlined (it is SECURITY DEFINER) is planned with its arguments
 * as parameters, and such a filter gives the planner no bounds: each call walked the whole
 * (user_id, id) index and dropped what was out of range. The scan makes ten calls of 100,000
 * users, so it read the 10M-row index ten times. Written as one BETWEEN with open ends, the
 * same call reads its range only (PG 15, 100,000 users' 1M rows: 5.7–5.9 s → 4.3–4.4 s). The
 * rows checked, and the breaks found, are the same.
 */

const BREAKS = CHAIN.find((sql) => sql.includes('FUNCTION pointkeeper_chain_breaks('));
if (BREAKS === undefined)
  throw new Error("Migration 720: migration 100's pointkeeper_chain_breaks was not found.");
const UNBOUNDED = '(p_from IS NULL OR t.user_id >= p_from) AND (p_to IS NULL OR t.user_id <= p_to)';
if (BREAKS.split(UNBOUNDED).length !== 2)
  throw new Error("Migration 720: migration 100's range filter was not found.");
const BOUNDED = BREAKS.replace(
  UNBOUNDED,
  't.user_id BETWEEN coalesce(p_from, -2147483648) AND coalesce(p_to, 2147483647)',
).replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');

export async function up(knex: Knex): Promise<void> {
  await knex.raw(BOUNDED);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(BREAKS!.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  await applyPrivileges(knex);
}
