import { z } from 'zod';
import { call } from './define';
import { userId } from './common';

export const RECOVERY_ACTIONS = ['sync', 'recover'] as const;
export type RecoveryAction = (typeof RECOVERY_ACTIONS)[number];
/** Users one explicit scope may name; larger sets are 'discrepancies' or 'all'. */
export const MAX_SCOPE_USERS = 10_000;

export const recoveryScope = z.union([
  z
    .object({
      userIds: z
        .array(userId)
        .min(1, 'name at least one user')
        .max(MAX_SCOPE_USERS, `at most ${MAX_SCOPE_USERS.toLocaleString('en-US')} users; use "all"`),
    })
    .strict(),
  z.literal('discrepancies'),
  z.literal('all'),
]);
export type RecoveryScope = z.output<typeof recoveryScope>;

/** What a plan decided for one user, and why; shown to a person before anything is written. */
export const RECOVERY_DECISIONS = [
  /** The user_points row is missing: rebuilt from the log. */
  'rebuild_row',
  /** The stored balance is higher than the log: an adjustment makes the log explain it. */
  'adjust_log_up',
  /** The stored balance is lower than the log: the log wins, the balance goes up. */
  'raise_to_log',
  /** sync only: the stored balance is higher than the log and is set down to it. */
  'lower_to_log',
  /** The balance agrees with the log; lifetime totals, last earned or the legacy copy do not. */
  'copies_only',
  /** sync only: the log sums below zero, which no balance may hold; recover handles it. */
  'blocked_negative',
] as const;
export type RecoveryDecision = (typeof RECOVERY_DECISIONS)[number];

export const RECOVERY_COLUMNS = [
  'user_points.points',
  'user_points.total_earned',
  'user_points.total_redeemed',
  'user_points.last_earned_at',
  'users.rewards',
] as const;
export type RecoveryColumn = (typeof RECOVERY_COLUMNS)[number];

/** The time of an adjustment the plan will create, which is only known when it is written. */
export const AT_APPLY = 'time of the adjustment';

export interface ColumnChange {
  column: RecoveryColumn;
  /** null: no value (a missing row, or never earned). Timestamps are ISO 8601 UTC. */
  before: number | string | null;
  after: number | string | null;
}

export interface PlannedTransaction {
  type: 'adjustment';
  points: number;
  description: string;
}

export interface UserRecoveryPlan {
  userId: number;
  decision: RecoveryDecision;
  reason: string;
  /** Whether a user_points row will be created. */
  createsRow: boolean;
  /** Only the columns that change. */
  changes: ColumnChange[];
  transactions: PlannedTransaction[];
}

export interface RecoveryTotals {
  usersInScope: number;
  usersChanged: number;
  usersBlocked: number;
  rowsCreated: number;
  balancesRaised: { users: number; points: number };
  balancesLowered: { users: number; points: number };
  adjustments: { count: number; points: number };
  chunks: number;
}

export interface RecoveryPlan {
  action: RecoveryAction;
  scope: RecoveryScope;
  /** sha256 of the state the plan was computed from; apply refuses if it no longer matches. */
  fingerprint: string;
  computedAt: string;
  totals: RecoveryTotals;
  /** The users that change (and those blocked), in user id order, up to `limit`. */
  users: UserRecoveryPlan[];
  truncated: boolean;
}

export type RecoveryRunStatus = 'running' | 'done' | 'cancelled' | 'conflict' | 'failed';

export interface RecoveryRun {
  runId: string;
  action: RecoveryAction;
  scope: RecoveryScope;
  fingerprint: string;
  actor: string;
  status: RecoveryRunStatus;
  chunksDone: number;
  chunksTotal: number;
  usersChanged: number;
  rowsCreated: number;
  adjustments: number;
  adjustmentPoints: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** A running run that has not moved for minutes: its process most likely died. */
  stalled: boolean;
}

const planInput = {
  action: z.enum(RECOVERY_ACTIONS),
  scope: recoveryScope,
};

export const recoveryCalls = {
  'recovery.plan': call<RecoveryPlan>()({
    input: z.object({ ...planInput, limit: z.number().int().min(0).max(10_000).default(500) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Dry run of sync or recover: every column before → after and every transaction it would create',
  }),
  'recovery.apply': call<RecoveryRun>()({
    input: z
      .object({
        ...planInput,
        fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'the fingerprint of a plan (64 hex digits)'),
        /** Lets a caller follow the run's progress with recovery.run while it works. */
        runId: z.uuid().optional(),
      })
      .strict(),
    minRole: 'admin',
    kind: 'action',
    summary: 'Apply exactly a previewed plan, in chunks; CONFLICT if the data moved since the preview',
  }),
  'recovery.run': call<RecoveryRun>()({
    input: z.object({ runId: z.uuid() }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'One recovery run: its status and progress',
  }),
};
