import type { Knex } from 'knex';
import type { ParsedInput, ReverseResult } from '../../shared/contract';
import { AppError, notFound } from '../errors';
import { appendTransaction, type StoredTransaction } from './append';
import { applyToCopies, lockUserPoints } from './lock';

/** A redemption behind a reversed debit is cancelled with it; one already used cannot be. */
async function cancelRedemption(trx: Knex.Transaction, transactionId: number): Promise<void> {
  const redemption = await trx('user_points_redemptions').where({ transaction_id: transactionId }).first();
  if (!redemption) return;
  if (redemption.is_used) {
    throw new AppError(
      'CONFLICT',
      `Transaction ${transactionId} paid for a reward that was already used; it cannot be reversed.`,
    );
  }
  await trx('user_points_redemptions').where({ id: redemption.id }).update({ cancelled_at: trx.fn.now() });
}

/**
 * Reverse: a new adjustment row that cancels the original and names it. The log stays
 * append-only; a row is reversed once; a credit already spent cannot be taken back.
 */
export async function reverse(
  trx: Knex.Transaction,
  input: ParsedInput<'points.reverse'>,
): Promise<ReverseResult> {
  const original = (await trx('points_transactions').where({ id: input.transactionId }).first()) as
    (StoredTransaction & { reverses_id: number | null }) | undefined;
  if (!original) throw notFound(`Transaction ${input.transactionId}`);
  const locked = await lockUserPoints(trx, original.user_id);
  if (original.reverses_id !== null) {
    throw new AppError('CONFLICT', `Transaction ${original.id} is itself a reversal and cannot be reversed.`);
  }
  const earlier = await trx('points_transactions').where({ reverses_id: original.id }).first('id');
  if (earlier) {
    throw new AppError(
      'CONFLICT',
      `Transaction ${original.id} was already reversed by transaction ${earlier.id}.`,
    );
  }
  const change = -original.points;
  if (locked.points + change < 0) {
    throw new AppError(
      'INSUFFICIENT_POINTS',
      `Cannot reverse transaction ${original.id}: its ${original.points} points were already spent (balance ${locked.points}).`,
      { balance: locked.points, required: -change, shortfall: -(locked.points + change) },
    );
  }
  if (original.type === 'redeemed') await cancelRedemption(trx, original.id);
  const stored = await appendTransaction(trx, {
    user_id: original.user_id,
    type: 'adjustment',
    points: change,
    description: `Reversal of transaction ${original.id}: ${input.reason}`,
    reverses_id: original.id,
  });
  const total = await applyToCopies(trx, locked, change);
  return {
    success: true,
    transactionId: stored.id,
    reversedTransactionId: original.id,
    pointsChange: change,
    currentPoints: total,
    message: `Reversed transaction ${original.id} (${change > 0 ? '+' : ''}${change} points). The new total is ${total} points.`,
  };
}
