import { z } from 'zod';
import { call } from './define';
import { isoDateTime, overwrite, pageInput, userId, type Page } from './common';
import type { HistoryRow, Redemption } from './points';

/**
 * Every kind of discrepancy the audit knows. Stored vs expected, where "expected" is always
 * what the log (points_transactions, the source of truth) says.
 */
export const DISCREPANCY_KINDS = [
  /** user_points.points ≠ SUM(points) of the log. */
  'balance_mismatch',
  /** user_points.total_earned ≠ sum of the log's positive rows. */
  'earned_mismatch',
  /** user_points.total_redeemed ≠ sum of the log's negative rows (as a positive number). */
  'redeemed_mismatch',
  /** The legacy users.rewards ≠ the log's balance. */
  'legacy_mismatch',
  /** The user has transactions but no user_points row. */
  'missing_user_points',
  /** A stored balance (user_points or users.rewards) other than 0 with no transactions at all. */
  'balance_without_transactions',
  /**
   * A live redemption whose debit is not in effect in the log: no transaction, not a 'redeemed'
   * row of that user for that amount, or a debit that was reversed (the reward stands unpaid).
   */
  'redemption_without_transaction',
  /**
   * The reverse: a 'redeemed' row that paid for a redemption which was cancelled while the debit
   * stands (points taken, no reward). A redeem without a reward has no redemption by design.
   */
  'transaction_without_redemption',
  /** The log's balance is below zero. */
  'negative_balance',
  /** The hash chain is broken: a row was altered, removed or inserted behind the application's back. */
  'chain_broken',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export const RECOMMENDED_ACTIONS = ['sync', 'recover', 'investigate'] as const;
export type RecommendedAction = (typeof RECOMMENDED_ACTIONS)[number];

/** What to do about one discrepancy and exactly what it would change. */
export interface Recommendation {
  action: RecommendedAction;
  /** The value that changes, e.g. "user_points.points" or "log balance". */
  target: string;
  before: number | null;
  after: number | null;
  /** The effect in words, e.g. "sync: user_points.points 1,100 → 1,000". */
  effect: string;
}

export interface Discrepancy {
  code: DiscrepancyKind;
  userId: number;
  message: string;
  /** The stored value (null: there is none, e.g. a missing row). */
  stored: number | null;
  /** What the log says it should be (null: not a number, e.g. a broken chain). */
  expected: number | null;
  /** stored − expected (null when either is null). */
  difference: number | null;
  /** The transaction concerned (chain breaks, redemptions), if any. */
  transactionId: number | null;
  redemptionId: number | null;
  recommendation: Recommendation;
}

export type ChainBreakKind = 'unsealed' | 'altered' | 'removed';

export interface ChainStatus {
  verified: boolean;
  rowsChecked: number;
  /** The first (by id) row whose link fails: the first altered, removed-before or unsealed row. */
  firstBreak: {
    transactionId: number;
    previousId: number | null;
    kind: ChainBreakKind;
    message: string;
  } | null;
  breaks: number;
}

/** The spec's "Points Audit" response. */
export interface UserAudit {
  success: true;
  userId: number;
  summary: {
    total_points_earned: number;
    total_points_redeemed: number;
    current_points: number;
    total_transactions: number;
    first_transaction: string | null;
    last_transaction: string | null;
  };
  transactions: HistoryRow[];
  userPointsRecord: {
    points: number;
    total_earned: number;
    total_redeemed: number;
    last_earned_at: string | null;
    created_at: string;
    updated_at: string;
  } | null;
  legacyRewards: { rewards: number; updated_at: string };
  dataIntegrity: {
    transactionsMatchUserPoints: boolean;
    legacyRewardsMatch: boolean;
    discrepancies: Discrepancy[];
    chain: ChainStatus;
  };
  /** Admins only; omitted for other roles. */
  recoveryData?: { redemptions: Redemption[]; recoveryRecommendations: Recommendation[] };
}

export interface ScanKindSummary {
  count: number;
  /** Sum of |difference| over the kind's discrepancies. */
  pointsAtStake: number;
}

export type ScanStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface ScanSummary {
  scanId: number;
  status: ScanStatus;
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  verifyChain: boolean;
  usersScanned: number;
  /** Users to scan (known once the scan has started); with usersScanned, its progress. */
  usersTotal: number | null;
  transactionsScanned: number;
  /** Why a cancelled or failed scan stopped. */
  error: string | null;
  usersWithDiscrepancies: number;
  discrepancies: number;
  pointsAtStake: number;
  byKind: Record<DiscrepancyKind, ScanKindSummary>;
  seconds: number | null;
}

export const SCAN_SORTS = ['userId', 'kind', 'difference', 'stake'] as const;
export type ScanSort = (typeof SCAN_SORTS)[number];

export interface UserStatement {
  userId: number;
  from: string;
  to: string;
  openingBalance: number;
  credits: number;
  /** Debits other than expiries. */
  debits: number;
  /** Points that expired in the period (`expired` rows), their own line. */
  expired: number;
  closingBalance: number;
  /** Rows in [from, to], oldest first, each with the balance right after it. */
  rows: Array<HistoryRow & { balanceAfter: number }>;
  /** True when the period has more rows than were returned (see limit). */
  truncated: boolean;
}

export interface ReportResult {
  path: string;
  format: 'csv' | 'pdf';
  rows: number;
  bytes: number;
}

const kinds = z.array(z.enum(DISCREPANCY_KINDS)).min(1).max(DISCREPANCY_KINDS.length);
const period = {
  from: isoDateTime,
  to: isoDateTime,
};
const fromBeforeTo = (v: { from: string; to: string }) => Date.parse(v.from) <= Date.parse(v.to);
const scanId = z.number().int().positive().max(2_147_483_647);
export const scanResultsInput = z
  .object({
    scanId,
    kinds: kinds.optional(),
    userId: userId.optional(),
    sort: z.enum(SCAN_SORTS).default('stake'),
    order: z.enum(['asc', 'desc']).default('desc'),
    ...pageInput,
  })
  .strict();
const reportPath = z
  .string()
  .trim()
  .min(1, 'choose where to save the report')
  .max(1000)
  .refine(
    (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p),
    'give a full path, e.g. /home/me/report.pdf',
  );
const statementInput = z
  .object({ userId, ...period, limit: z.number().int().min(1).max(100_000).default(10_000) })
  .strict()
  .refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] });

export const auditCalls = {
  'audit.user': call<UserAudit>()({
    input: z
      .object({
        userId,
        limit: z.number().int().min(1).max(1000).default(100),
        includeRecoveryData: z.boolean().default(false),
      })
      .strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "One user's audit: totals from the log, stored copies, every discrepancy, the hash chain",
  }),
  'audit.scan': call<ScanSummary>()({
    input: z
      .object({
        verifyChain: z.boolean().default(true),
        /** Each chunk's statement time limit; over it, the scan stops with a clear error. */
        timeoutSeconds: z.number().positive().max(3600).default(300),
      })
      .strict(),
    minRole: 'auditor',
    kind: 'action',
    emits: 'progress',
    summary: 'Scan every user for discrepancies, set-based, with progress; cancellable',
  }),
  'audit.cancelScan': call<{ cancelled: boolean }>()({
    input: z.object({ scanId }).strict(),
    minRole: 'auditor',
    kind: 'action',
    summary: 'Cancel a running scan (from any console); nothing of it is kept',
  }),
  'audit.scans': call<ScanSummary[]>()({
    input: z.object({ limit: z.number().int().min(1).max(100).default(10) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The most recent scans, newest first',
  }),
  'audit.scanResults': call<Page<Discrepancy>>()({
    input: scanResultsInput,
    minRole: 'auditor',
    kind: 'query',
    summary: "A scan's discrepancies, filtered by kind or user, sorted, paged",
  }),
  'audit.statement': call<UserStatement>()({
    input: statementInput,
    minRole: 'auditor',
    kind: 'query',
    summary: "A user's statement: opening balance, credits, debits, closing balance and the rows between",
  }),
  'audit.balanceAt': call<{ userId: number; at: string; balance: number; transactions: number }>()({
    input: z.object({ userId, at: isoDateTime }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "A user's balance as of a past moment, from the log",
  }),
  'report.export': call<ReportResult>()({
    input: z.discriminatedUnion('report', [
      z
        .object({
          report: z.literal('scan'),
          format: z.enum(['csv', 'pdf']),
          path: reportPath,
          overwrite,
          scanId,
          kinds: kinds.optional(),
        })
        .strict(),
      z
        .object({
          report: z.literal('statement'),
          format: z.enum(['csv', 'pdf']),
          path: reportPath,
          overwrite,
          userId,
          ...period,
        })
        .strict()
        .refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] }),
      // The operations log as filtered on its screen (issue 18).
      z
        .object({
          report: z.literal('operations'),
          format: z.enum(['csv', 'pdf']),
          path: reportPath,
          overwrite,
          actionPrefix: z.string().trim().max(100).optional(),
          actor: z.string().trim().max(100).optional(),
          outcome: z.enum(['ok', 'error']).optional(),
        })
        .strict(),
      // Points expiring by month, for finance (issue 21).
      z
        .object({
          report: z.literal('expiring'),
          format: z.enum(['csv', 'pdf']),
          path: reportPath,
          overwrite,
          months: z.number().int().min(1).max(60).default(12),
        })
        .strict(),
    ]),
    minRole: 'auditor',
    kind: 'action',
    summary:
      "Export a scan's discrepancy report, a user's statement or the filtered operations log to CSV or PDF (recorded in the operations log)",
  }),
};
