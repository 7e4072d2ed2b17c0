import { z } from 'zod';
import { call } from './define';
import { isoDateTime, userId } from './common';

/** Types whose credits open a lot and may have an expiry policy (adjustments: positive ones). */
export const LOT_TYPES = ['earned', 'bonus', 'signup', 'first_order', 'adjustment'] as const;
export type LotType = (typeof LOT_TYPES)[number];

export interface ExpiryPolicy {
  type: LotType;
  /** Null (with days null): credits of this type never expire. */
  months: number | null;
  days: number | null;
  effectiveFrom: string | null;
  setBy: string;
}

export interface PolicySetResult {
  type: LotType;
  months: number | null;
  days: number | null;
  effectiveFrom: string;
}

/** open: points remain; spent: all used; expired: an expiry row closed it. */
export type LotStatus = 'open' | 'spent' | 'expired';

export interface LotUse {
  transactionId: number;
  type: string;
  /** Taken from the lot (> 0) or given back to it (< 0). */
  points: number;
  createdAt: string;
}

export interface Lot {
  id: number;
  source: 'credit' | 'returned';
  type: string;
  points: number;
  remaining: number;
  expiresAt: string | null;
  createdAt: string;
  expiredBy: number | null;
  status: LotStatus;
  uses: LotUse[];
}

export interface ExpiringSoon {
  /** Points in open lots that expire within 30 / 60 / 90 days of `asOf` (cumulative). */
  days30: number;
  days60: number;
  days90: number;
  /** Already past their date, waiting for the next expiry run. */
  overdue: number;
  asOf: string;
}

export interface LotDiscrepancy {
  kind: 'lot_totals_mismatch' | 'lot_over_consumed' | 'lot_unfunded' | 'expiry_missing' | 'expiry_duplicated';
  userId: number;
  lotId: number | null;
  detail: string;
}

export interface UserLots {
  userId: number;
  balance: number;
  openLots: number;
  expiring: ExpiringSoon;
  lots: Lot[];
  discrepancies: LotDiscrepancy[];
}

export interface ExpiryPreview {
  asOf: string;
  users: number;
  lots: number;
  points: number;
  byType: Array<{ type: string; lots: number; points: number }>;
  /** The first lots that would expire, soonest first. */
  sample: Array<{ lotId: number; userId: number; type: string; points: number; expiresAt: string }>;
}

export interface ExpiryRunResult {
  asOf: string;
  users: number;
  lots: number;
  points: number;
  chunks: number;
  seconds: number;
}

export interface ExpiringByMonth {
  asOf: string;
  rows: Array<{ month: string; users: number; lots: number; points: number }>;
  neverExpiring: number;
}

const asOf = isoDateTime.optional();

export const expiryCalls = {
  'expiry.policies': call<ExpiryPolicy[]>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The expiry policy in force per credit type',
  }),
  'expiry.setPolicy': call<PolicySetResult>()({
    input: z
      .object({
        type: z.enum(LOT_TYPES),
        months: z.number().int().min(1).max(120).optional(),
        days: z.number().int().min(1).max(3650).optional(),
      })
      .strict()
      .refine((v) => v.months === undefined || v.days === undefined, {
        message: 'give months or days, not both (neither: never expires)',
        path: ['days'],
      }),
    minRole: 'admin',
    kind: 'write',
    summary: 'Set how long credits of a type last, for credits made from now on (neither: never)',
  }),
  'expiry.user': call<UserLots>()({
    input: z.object({ userId }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "A user's lots, what expires in 30/60/90 days, and any lot discrepancy",
  }),
  'expiry.preview': call<ExpiryPreview>()({
    input: z.object({ asOf }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'What an expiry run as of a moment would expire (nothing is written)',
  }),
  'expiry.run': call<ExpiryRunResult>()({
    input: z
      .object({ asOf: isoDateTime, chunkUsers: z.number().int().min(1).max(100_000).default(5_000) })
      .strict(),
    minRole: 'admin',
    kind: 'action',
    summary: 'Expire every lot due by asOf: one expired row per lot, in chunks, never below zero',
  }),
  'expiry.byMonth': call<ExpiringByMonth>()({
    input: z.object({ months: z.number().int().min(1).max(60).default(12) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Points in open lots by the month they expire (for finance)',
  }),
  'expiry.rebuild': call<{ users: number; lots: number }>()({
    input: z.object({ userIds: z.array(userId).min(1).max(10_000) }).strict(),
    minRole: 'admin',
    kind: 'write',
    summary: "Rebuild users' lots from their log, deterministically (recovery)",
  }),
};
