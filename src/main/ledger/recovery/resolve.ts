import type { Knex } from 'knex';
import type { ResolveDecision, ResolveResult } from '../../../shared/contract/recovery';
import { callWrite } from '../writeApi';

export interface ResolveInput {
  userId: number;
  decision: ResolveDecision;
  reason: string;
  expect: { logBalance: number; points: number | null; rewards: number };
}

/**
 * An admin's decision on one quarantined user, made by the database's
 * pointkeeper_recovery_resolve in one call under the user's ledger lock: the state must still be
 * what the admin read (else CONFLICT, nothing written). accept_log sets both copies to the log;
 * keep_stored first appends an adjustment that brings the log to the stored balance
 * (user_points.points, or users.rewards without a row), then the copies follow. The function
 * records the decision and the reason in the operations log.
 */
export function resolveUser(db: Knex, input: ResolveInput): Promise<ResolveResult> {
  return callWrite<ResolveResult>(db, 'pointkeeper_recovery_resolve(?, ?, ?, ?, ?, ?)', [
    input.userId,
    input.decision,
    input.reason,
    input.expect.logBalance,
    input.expect.points,
    input.expect.rewards,
  ]);
}
