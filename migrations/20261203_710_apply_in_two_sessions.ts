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

const RUNNING = `CREATE OR REPLACE FUNCTION pointkeeper__recovery_running(p_run_id uuid) RETURNS recovery_runs
   LANGUAGE plpgsql AS $$
   DECLARE run recovery_runs;
   BEGIN
     SELECT * INTO run FROM recovery_runs WHERE id = p_run_id FOR KEY SHARE;
     IF NOT FOUND OR run.status <> 'running' OR run.actor <> session_user THEN
       RAISE EXCEPTION 'Recovery run % is not a running run of %.', p_run_id, session_user USING ERRCODE = 'PK403';
     END IF;
     IF run.chunks_done >= run.chunks_total THEN
       RAISE EXCEPTION 'Recovery run % has applied all its chunks.', p_run_id USING ERRCODE = 'PK409';
     END IF;
     RETURN run;
   END $$`;

const CHUNK_DONE = `CREATE OR REPLACE FUNCTION pointkeeper__recovery_chunk_done(p_run_id uuid, p_users integer,
     p_changed integer, p_created integer, p_adjustments integer, p_points bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
   DECLARE result jsonb := jsonb_build_object('usersChanged', p_changed, 'rowsCreated', p_created,
     'adjustments', p_adjustments, 'adjustmentPoints', p_points);
   BEGIN
     UPDATE recovery_runs SET chunks_done = chunks_done + 1, users_changed = users_changed + p_changed,
       rows_created = rows_created + p_created, adjustments = adjustments + p_adjustments,
       adjustment_points = adjustment_points + p_points, updated_at = now()
     WHERE id = p_run_id AND status = 'running' AND actor = session_user AND chunks_done < chunks_total;
     IF NOT FOUND THEN
       RAISE EXCEPTION 'Recovery run % ended or applied all its chunks while this chunk was written: nothing of it was kept.',
         p_run_id USING ERRCODE = 'PK409';
     END IF;
     PERFORM pointkeeper__log('recovery.chunk', jsonb_build_object('runId', p_run_id, 'users', p_users), result);
     RETURN result;
   END $$`;

function helper610(name: string): string {
  const sql = HELPERS_610.find((s) => s.includes(`FUNCTION ${name}(`));
  if (sql === undefined) throw new Error(`Migration 710: migration 610's ${name} was not found.`);
  return sql;
}

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
