import type { Knex } from 'knex';
import type { ResolveDecision, ResolveResult } from '../../../shared/contract/recovery';
import { AppError } from '../../errors';
import { appendTransaction } from '../append';
import { lockUsers, rebuildCopies } from './rebuild';
import { readUsers, type UserState } from './state';

export interface ResolveInput {
  userId: number;
  decision: ResolveDecision;
  reason: string;
  expect: { logBalance: number; points: number | null; rewards: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * An admin's decision on one quarantined user, in one transaction under the user's ledger lock:
 * the state must still be what the admin read (else CONFLICT, nothing written). accept_log sets
 * both copies to the log; keep_stored first appends an adjustment that brings the log to the
 * stored balance (user_points.points, or users.rewards without a row), then the copies follow.
 * The registry records the call, decision and reason included, in the operations log.
 */
export async function resolveUser(db: Knex, input: ResolveInput): Promise<ResolveResult> {
  return db.transaction(async (trx) => {
    await lockUsers(trx, [input.userId]);
    const state = (await readUsers(trx, [input.userId])).unclean[0] as UserState | undefined;
    if (!state) {
      const found = (await trx('users').where({ id: input.userId }).first('id')) as unknown;
      if (!found) throw new AppError('NOT_FOUND', `User ${input.userId} was not found.`);
      throw new AppError(
        'CONFLICT',
        `User ${input.userId}'s copies already agree with the log: nothing to resolve.`,
      );
    }
    const before = {
      logBalance: state.logSum,
      points: state.hasRow ? state.points : null,
      rewards: state.rewards,
    };
    if (
      before.logBalance !== input.expect.logBalance ||
      before.points !== input.expect.points ||
      before.rewards !== input.expect.rewards
    )
      throw new AppError(
        'CONFLICT',
        `User ${input.userId} changed since you read it (log ${fmt(before.logBalance)}, user_points ${before.points === null ? 'none' : fmt(before.points)}, users.rewards ${fmt(before.rewards)}): nothing was written. Preview again.`,
      );
    let adjustment: ResolveResult['adjustment'] = null;
    if (input.decision === 'keep_stored') {
      const stored = before.points ?? before.rewards;
      const points = stored - before.logBalance;
      if (points !== 0) {
        const row = await appendTransaction(trx, {
          user_id: input.userId,
          type: 'adjustment',
          points,
          description: `Resolved by an admin (keep the stored balance ${fmt(stored)}): ${input.reason}`,
        });
        adjustment = { transactionId: row.id, points };
      }
    } else if (before.logBalance < 0) {
      throw new AppError(
        'VALIDATION',
        `User ${input.userId}'s log sums to ${fmt(before.logBalance)}: no balance may be negative, so it cannot be accepted as it is. Keep the stored balance instead.`,
      );
    }
    await rebuildCopies(trx, [input.userId]);
    const after = (await trx('users as u')
      .join('user_points as up', 'up.user_id', 'u.id')
      .where('u.id', input.userId)
      .first('up.points', 'u.rewards')) as { points: number; rewards: number };
    return {
      userId: input.userId,
      decision: input.decision,
      reason: input.reason,
      adjustment,
      before,
      after: { logBalance: after.points, points: after.points, rewards: after.rewards },
    };
  });
}
