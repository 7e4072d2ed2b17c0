import type { Knex } from 'knex';
import type { ParsedInput, RedeemResult } from '../../shared/contract';
import { callWrite } from './writeApi';

/**
 * Redeem: pointkeeper_redeem checks the reward and the balance under the user's lock, appends
 * the debit, moves the copies, records the redemption and the operation, in one round trip.
 */
export function redeem(db: Knex, input: ParsedInput<'points.redeem'>): Promise<RedeemResult> {
  return callWrite<RedeemResult>(db, 'pointkeeper_redeem(?, ?, ?, ?, ?)', [
    input.userId,
    input.points,
    input.description,
    input.rewardId ?? null,
    input.idempotencyKey ?? null,
  ]);
}
