import type { Knex } from 'knex';
import type { ParsedInput, RedeemResult } from '../../shared/contract';
import { AppError } from '../errors';
import { appendTransaction } from './append';
import { findReplay } from './idempotency';
import { applyToCopies, balanceAfter, lockUserPoints } from './lock';

type RedeemInput = ParsedInput<'points.redeem'>;

interface RewardRow {
  id: number;
  name: string;
  cost: number;
  validity_days: number;
  active: boolean;
}

const message = (redeemed: number, total: number) =>
  `Successfully redeemed ${redeemed} points! Your new total is ${total} points.`;

/** A named reward must exist, be offered, and cost exactly what is redeemed. */
async function checkReward(trx: Knex.Transaction, input: RedeemInput): Promise<RewardRow | null> {
  if (input.rewardId === undefined) return null;
  const reward = (await trx('points_rewards').where({ id: input.rewardId }).first()) as RewardRow | undefined;
  if (!reward) throw new AppError('NOT_FOUND', `Reward ${input.rewardId} was not found.`);
  if (!reward.active) throw new AppError('VALIDATION', `The reward "${reward.name}" is no longer offered.`);
  if (reward.cost !== input.points) {
    throw new AppError(
      'VALIDATION',
      `The reward "${reward.name}" costs ${reward.cost} points, not ${input.points}.`,
    );
  }
  return reward;
}

async function redemptionOf(trx: Knex.Transaction, transactionId: number): Promise<number | null> {
  const row = await trx('user_points_redemptions').where({ transaction_id: transactionId }).first('id');
  return (row?.id as number | undefined) ?? null;
}

/** Redeem: validate → lock → replay? → enough points? → append → copies → redemption → answer. */
export async function redeem(trx: Knex.Transaction, input: RedeemInput): Promise<RedeemResult> {
  const locked = await lockUserPoints(trx, input.userId);
  const replay = await findReplay(trx, input.idempotencyKey, async (t) => {
    const redemption = await trx('user_points_redemptions')
      .where({ transaction_id: t.id })
      .first('points_reward_id');
    return (
      t.user_id === input.userId &&
      t.type === 'redeemed' &&
      t.points === -input.points &&
      t.description === input.description &&
      ((redemption?.points_reward_id as number | undefined) ?? undefined) === input.rewardId
    );
  });
  if (replay) {
    const total = await balanceAfter(trx, input.userId, replay.id);
    return {
      success: true,
      pointsRedeemed: -replay.points,
      currentPoints: total,
      transactionId: replay.id,
      message: message(-replay.points, total),
      redemptionId: await redemptionOf(trx, replay.id),
      replayed: true,
    };
  }
  const reward = await checkReward(trx, input);
  if (locked.points < input.points) {
    const shortfall = input.points - locked.points;
    throw new AppError(
      'INSUFFICIENT_POINTS',
      `Not enough points: the balance is ${locked.points}, this needs ${input.points} (short by ${shortfall}).`,
      { balance: locked.points, required: input.points, shortfall },
    );
  }
  const stored = await appendTransaction(trx, {
    user_id: input.userId,
    type: 'redeemed',
    points: -input.points,
    description: input.description,
    idempotency_key: input.idempotencyKey ?? null,
  });
  const total = await applyToCopies(trx, locked, -input.points);
  let redemptionId: number | null = null;
  if (reward) {
    const [row] = (await trx('user_points_redemptions')
      .insert({
        user_id: input.userId,
        points_reward_id: reward.id,
        transaction_id: stored.id,
        points_spent: input.points,
        expires_at: trx.raw(`now() + ? * interval '1 day'`, [reward.validity_days]),
      })
      .returning('id')) as Array<{ id: number }>;
    redemptionId = row!.id;
  }
  return {
    success: true,
    pointsRedeemed: input.points,
    currentPoints: total,
    transactionId: stored.id,
    message: message(input.points, total),
    redemptionId,
    replayed: false,
  };
}
