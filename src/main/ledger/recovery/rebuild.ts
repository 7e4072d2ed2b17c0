import type { Knex } from 'knex';
import { callWrite } from '../writeApi';

/**
 * Takes the ledger lock of each user in the same order every writer does — the user_points row
 * first, then the users row — so recovery and a concurrent earn wait for each other instead of
 * deadlocking. Locking the users row also holds back a first-ever write for a user who has no
 * user_points row yet: creating that row needs a key-share lock on the user. The locks are the
 * transaction's, taken by the database's pointkeeper_lock_users (staff may not lock rows directly).
 */
export async function lockUsers(trx: Knex.Transaction, ids: number[]): Promise<void> {
  await callWrite(trx, 'pointkeeper_lock_users(?::int[])', [ids]);
}

/**
 * One chunk of a run, written by the database: recover's adjustments (only up to what a stored
 * copy shows above the log), user_points and users.rewards rebuilt from the log, the run's
 * counters, and an operations-log entry. Refused for a user whose history fails the keyed chain.
 */
export async function applyUsers(trx: Knex.Transaction, runId: string, ids: number[]): Promise<void> {
  await callWrite(trx, 'pointkeeper_recovery_apply(?::uuid, ?::int[])', [runId, ids]);
}
