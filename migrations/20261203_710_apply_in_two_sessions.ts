import type { Knex } from 'knex';
import { HELPERS as HELPERS_610 } from './20261202_610_fast_sync';
import { applyPrivileges } from './privileges';

/**
 * A recovery run's chunks may be applied by two sessions at once (issue 20, sync).
 *
 * Each chunk call began by locking its run's row FOR UPDATE and held it to commit, so chunks ran
 * one after another whatever the console did: at full size a sync's apply kept one of the two
 * cores busy for 25 s while the other waited. Chunks hold disjoint users, whose ledger locks are
 * taken in id order inside each chunk, so two chunks never wait on each other's users.
 *
 * The run is now read FOR KEY SHARE: it still cannot be deleted or re-keyed under a chunk, but two
 * chunks can hold it together. What the exclusive lock guarded moves to the counting UPDATE, which
 * takes the row's lock and re-reads it (READ COMMITTED re-checks a row updated meanwhile): a chunk
 * counts only into a run that is still running and has a chunk left, else it raises and its
 * transaction, writes included, rolls back. Two chunks' counts queue on that lock for the moment
 * between the update and their commit.
 */

function helper610(name: string): string {
  const sql = HELPERS_610.find((s) => s.includes(`FUNCTION ${name}(`));
  if (sql === undefined) throw new Error(`Migration 710: migration 610's ${name} was not found.`);
  return sql;
}

/** `from`, which must occur exactly once in `sql`, replaced by `to`. */
function replaceOnce(sql: string, from: string, to: string): string {
  if (sql.split(from).length !== 2) throw new Error(`Migration 710: expected one "${from.slice(0, 60)}…".`);
  return sql.replace(from, () => to);
}

/** Migration 610's read of the run, sharing the row with the other session's chunk. */
const RUNNING = replaceOnce(
  helper610('pointkeeper__recovery_running'),
  'WHERE id = p_run_id FOR UPDATE;',
  'WHERE id = p_run_id FOR KEY SHARE;',
);

/** Migration 610's count, now also the guard the exclusive read was. */
const CHUNK_DONE = replaceOnce(
  helper610('pointkeeper__recovery_chunk_done'),
  `     WHERE id = p_run_id;
`,
  `     WHERE id = p_run_id AND status = 'running' AND actor = session_user AND chunks_done < chunks_total;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'Recovery run % ended or applied all its chunks while this chunk was written: nothing of it was kept.',
         p_run_id USING ERRCODE = 'PK409';
     END IF;
`,
);

export async function up(knex: Knex): Promise<void> {
  await knex.raw(RUNNING);
  await knex.raw(CHUNK_DONE);
  await applyPrivileges(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(helper610('pointkeeper__recovery_running'));
  await knex.raw(helper610('pointkeeper__recovery_chunk_done'));
  await applyPrivileges(knex);
}
