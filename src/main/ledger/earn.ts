import type { Knex } from 'knex';
import type { EarnResult, ParsedInput } from '../../shared/contract';
import { AppError } from '../errors';
import { appendTransaction } from './append';
import { findReplay } from './idempotency';
import { applyToCopies, balanceAfter, lockUserPoints } from './lock';

type EarnInput = ParsedInput<'points.earn'>;

const message = (earned: number, total: number) =>
  `Successfully earned ${earned} points! Your new total is ${total} points.`;

async function checkOrder(trx: Knex.Transaction, input: EarnInput): Promise<void> {
  if (input.orderId === undefined) return;
  const order = await trx('orders').where({ id: input.orderId }).first('user_id');
  if (!order) throw new AppError('NOT_FOUND', `Order ${input.orderId} was not found.`);
  if (order.user_id !== input.userId) {
    throw new AppError('VALIDATION', `Order ${input.orderId} belongs to another user.`);
  }
}

/** Earn: validate → lock → replay? → append to the log → update the copies → answer as the spec. */
export async function earn(trx: Knex.Transaction, input: EarnInput): Promise<EarnResult> {
  const locked = await lockUserPoints(trx, input.userId);
  const replay = await findReplay(
    trx,
    input.idempotencyKey,
    (t) =>
      t.user_id === input.userId &&
      t.type === input.type &&
      t.points === input.points &&
      t.description === input.description &&
      t.order_id === (input.orderId ?? null),
  );
  if (replay) {
    const total = await balanceAfter(trx, input.userId, replay.id);
    return {
      success: true,
      pointsEarned: replay.points,
      currentPoints: total,
      transactionId: replay.id,
      message: message(replay.points, total),
      replayed: true,
    };
  }
  await checkOrder(trx, input);
  const stored = await appendTransaction(trx, {
    user_id: input.userId,
    type: input.type,
    points: input.points,
    description: input.description,
    order_id: input.orderId ?? null,
    order_amount: input.orderAmount ?? null,
    idempotency_key: input.idempotencyKey ?? null,
  });
  const total = await applyToCopies(trx, locked, input.points);
  return {
    success: true,
    pointsEarned: input.points,
    currentPoints: total,
    transactionId: stored.id,
    message: message(input.points, total),
    replayed: false,
  };
}
