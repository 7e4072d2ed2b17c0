import { z } from 'zod';
import { call } from './define';

export const DISCREPANCY_SEEDS = [
  'balance_mismatch',
  'legacy_mismatch',
  'earned_mismatch',
  'redeemed_mismatch',
  'missing_user_points',
] as const;

export interface DemoResult {
  users: number;
  transactions: number;
  orders: number;
  redemptions: number;
  firstUserId: number | null;
  lastUserId: number | null;
  /** Users whose derived copies were broken on purpose, and how. */
  discrepancies: Array<{ userId: number; kind: (typeof DISCREPANCY_SEEDS)[number] }>;
  seconds: number;
}

export const demoCalls = {
  'demo.status': call<{ empty: boolean }>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Whether the database has any users yet (the console offers demo data when it has none)',
  }),
  'demo.generate': call<DemoResult>()({
    input: z
      .object({
        users: z.number().int().min(1).max(5_000_000).default(1000),
        transactions: z.number().int().min(0).max(100_000_000).default(10_000),
        discrepancies: z.number().int().min(0).max(100_000).default(0),
        /** The same seed (and sizes) gives the same users and transactions; none draws a fresh one. */
        seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      })
      .strict()
      .refine((v) => v.discrepancies <= v.users, {
        message: 'discrepancies cannot exceed users',
        path: ['discrepancies'],
      }),
    minRole: 'admin',
    kind: 'action',
    emits: 'progress',
    summary: 'Create realistic, internally consistent demo data (optionally with broken copies to audit)',
  }),
};
