import type { Knex } from 'knex';
import type { ParsedInput, RedeemResult } from '../../shared/contract';
import { orRequestApproval, reasonFrom } from './approvals/pending';
import { callWrite } from './writeApi';

/**
 * Redeem: pointkeeper_redeem checks the reward and the balance under the user's lock, appends
 * the debit, moves the copies, records the redemption and the operation, in one round trip.
 * When an approval policy covers it, the same content becomes a request instead.
 */
export function redeem(db: Knex, input: ParsedInput<'points.redeem'>): Promise<RedeemResult> {
  const write = () =>
    callWrite<RedeemResult>(db, 'pointkeeper_redeem(?, ?, ?, ?, ?)', [
      input.userId,
      input.points,
      input.description,
      input.rewardId ?? null,
      input.idempotencyKey ?? null,
    ]);
  return orRequestApproval(
    db,
    'redeem',
    input,
    reasonFrom('Redeem', input.points, input.userId, input.description),
    write,
  );
}
