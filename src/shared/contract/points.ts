import { z } from 'zod';
import { call } from './define';
import { isoDateTime, pageInput, plainText, userId, type Page } from './common';

export const MAX_POINTS_PER_TRANSACTION = 10_000;
export const CREDIT_TYPES = ['earned', 'bonus', 'signup', 'first_order'] as const;
export const TRANSACTION_TYPES = [...CREDIT_TYPES, 'redeemed', 'adjustment', 'expired'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

const points = z
  .number({ error: 'points must be a number' })
  .int('points must be a whole number')
  .positive('points must be positive')
  .max(
    MAX_POINTS_PER_TRANSACTION,
    `at most ${MAX_POINTS_PER_TRANSACTION.toLocaleString('en-US')} points per transaction`,
  );
const description = plainText(1, 'a description is required');
const id = z.number().int().positive().max(2_147_483_647);
/** A form submission's own key: the same key again replays the first result. */
const idempotencyKey = z
  .string()
  .min(8, 'an idempotency key has at least 8 characters')
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'an idempotency key uses letters, digits and _ . : - only');

/** The spec's "Earn Points" response. */
export interface EarnResult {
  success: true;
  pointsEarned: number;
  currentPoints: number;
  transactionId: number;
  message: string;
  /** True when this answer is the replay of an earlier call with the same idempotency key. */
  replayed: boolean;
}

/** The spec's "Redeem Points" response. */
export interface RedeemResult {
  success: true;
  pointsRedeemed: number;
  currentPoints: number;
  transactionId: number;
  message: string;
  redemptionId: number | null;
  replayed: boolean;
}

export interface ReverseResult {
  success: true;
  transactionId: number;
  reversedTransactionId: number;
  pointsChange: number;
  currentPoints: number;
  message: string;
}

export interface HistoryRow {
  id: number;
  type: TransactionType;
  points: number;
  description: string;
  orderId: number | null;
  orderAmount: number | null;
  createdAt: string;
  createdBy: string;
  reversesId: number | null;
  /** The adjustment that reversed this row, if any. */
  reversedById: number | null;
  /** Why the ledger would refuse to reverse this row now; null when it can be reversed. */
  notReversible: string | null;
  /** The lots this row took from (points > 0) or gave back to (< 0); lotId null: no lot held them. */
  lots: Array<{ lotId: number | null; points: number }>;
}

export type RedemptionStatus = 'active' | 'used' | 'expired' | 'cancelled';

export interface Redemption {
  id: number;
  userId: number;
  rewardId: number;
  rewardName: string;
  pointsSpent: number;
  transactionId: number | null;
  status: RedemptionStatus;
  usedAt: string | null;
  expiresAt: string;
  cancelledAt: string | null;
  createdAt: string;
}

export interface Reward {
  id: number;
  name: string;
  description: string;
  cost: number;
  validityDays: number;
  active: boolean;
}

export const pointsCalls = {
  'points.earn': call<EarnResult>()({
    input: z
      .object({
        userId,
        points,
        description,
        orderId: id.optional(),
        orderAmount: z.number().nonnegative().max(10_000_000).multipleOf(0.01).optional(),
        type: z.enum(CREDIT_TYPES).default('earned'),
        idempotencyKey: idempotencyKey.optional(),
      })
      .strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Credit points to a user, atomically, once per idempotency key',
  }),
  'points.redeem': call<RedeemResult>()({
    input: z
      .object({
        userId,
        points,
        rewardId: id.optional(),
        description,
        idempotencyKey: idempotencyKey.optional(),
      })
      .strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Debit points from a user (never below zero), optionally for a catalogue reward',
  }),
  'points.reverse': call<ReverseResult>()({
    input: z.object({ transactionId: id, reason: plainText(3, 'say why this is reversed') }).strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Cancel a transaction with a linked adjustment row (once; never below zero)',
  }),
  'points.history': call<Page<HistoryRow>>()({
    input: z
      .object({
        userId,
        types: z.array(z.enum(TRANSACTION_TYPES)).max(TRANSACTION_TYPES.length).optional(),
        from: isoDateTime.optional(),
        to: isoDateTime.optional(),
        ...pageInput,
      })
      .strict()
      .refine((v) => !v.from || !v.to || v.from <= v.to, {
        message: 'from must not be after to',
        path: ['from'],
      }),
    minRole: 'auditor',
    kind: 'query',
    summary: "A user's transactions, newest first, filtered and paged",
  }),
  'redemptions.list': call<Redemption[]>()({
    input: z.object({ userId }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "A user's reward redemptions with their status",
  }),
  'redemptions.markUsed': call<Redemption>()({
    input: z.object({ redemptionId: id }).strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Mark an active redemption as used',
  }),
  'rewards.list': call<Reward[]>()({
    input: z.object({ includeInactive: z.boolean().default(false) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The rewards catalogue',
  }),
};
