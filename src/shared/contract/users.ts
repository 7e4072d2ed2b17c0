import { z } from 'zod';
import { call } from './define';
import { pageInput, userId, type Page } from './common';
import type { ExpiringSoon } from './expiry';

export interface UserSummary {
  id: number;
  email: string;
  name: string;
  /** Current balance from user_points; null when the user has no user_points row yet. */
  points: number | null;
  createdAt: string;
}

export interface UserDetail extends UserSummary {
  /** The legacy users.rewards copy of the balance. */
  legacyRewards: number;
  totalEarned: number | null;
  totalRedeemed: number | null;
  lastEarnedAt: string | null;
  transactionCount: number;
  /** Points in open lots that expire soon (30/60/90 days) and that are already overdue. */
  expiring: ExpiringSoon;
}

export const usersCalls = {
  'users.search': call<Page<UserSummary>>()({
    input: z
      .object({
        query: z.string().trim().min(1, 'Type a user id, an email or the start of a name').max(200),
        ...pageInput,
      })
      .strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Find users by id, email prefix or name prefix',
  }),
  'users.get': call<UserDetail>()({
    input: z.object({ userId }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'One user with their balance, lifetime totals and legacy rewards copy',
  }),
};
