import type { Knex } from 'knex';
import type { Redemption, RedemptionStatus, Reward } from '../../shared/contract';
import { notFound } from '../errors';
import { iso, isoOrNull } from './dates';
import { callWrite } from './writeApi';

interface Row {
  id: number;
  user_id: number;
  points_reward_id: number;
  reward_name: string;
  points_spent: number;
  transaction_id: number | null;
  is_used: boolean;
  used_at: Date | null;
  expires_at: Date;
  cancelled_at: Date | null;
  created_at: Date;
}

function statusOf(r: Row, now: Date): RedemptionStatus {
  if (r.cancelled_at) return 'cancelled';
  if (r.is_used) return 'used';
  return r.expires_at <= now ? 'expired' : 'active';
}

const toRedemption = (r: Row, now: Date): Redemption => ({
  id: r.id,
  userId: r.user_id,
  rewardId: r.points_reward_id,
  rewardName: r.reward_name,
  pointsSpent: r.points_spent,
  transactionId: r.transaction_id,
  status: statusOf(r, now),
  usedAt: isoOrNull(r.used_at),
  expiresAt: iso(r.expires_at),
  cancelledAt: isoOrNull(r.cancelled_at),
  createdAt: iso(r.created_at),
});

const redemptionQuery = (db: Knex) =>
  db('user_points_redemptions as d')
    .join('points_rewards as r', 'r.id', 'd.points_reward_id')
    .select('d.*', 'r.name as reward_name');

export async function listRedemptions(db: Knex, userId: number): Promise<Redemption[]> {
  const rows = (await redemptionQuery(db)
    .where('d.user_id', userId)
    .orderBy('d.created_at', 'desc')) as Row[];
  const now = new Date();
  return rows.map((r) => toRedemption(r, now));
}

/** Only an active redemption can be used: not twice, not after it expired or was cancelled. */
export async function markUsed(trx: Knex.Transaction, redemptionId: number): Promise<Redemption> {
  await callWrite(trx, 'pointkeeper_redemption_use(?)', [redemptionId]);
  const row = (await redemptionQuery(trx).where('d.id', redemptionId).first()) as Row | undefined;
  if (!row) throw notFound(`Redemption ${redemptionId}`);
  return toRedemption(row, new Date());
}

export async function listRewards(db: Knex, includeInactive: boolean): Promise<Reward[]> {
  const q = db('points_rewards').orderBy([{ column: 'cost' }, { column: 'id' }]);
  if (!includeInactive) q.where({ active: true });
  const rows = (await q) as Array<{
    id: number;
    name: string;
    description: string;
    cost: number;
    validity_days: number;
    active: boolean;
  }>;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    cost: r.cost,
    validityDays: r.validity_days,
    active: r.active,
  }));
}
