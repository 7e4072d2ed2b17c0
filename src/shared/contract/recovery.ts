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
  /**
   * Quarantined: the chain or the operations log cannot vouch for this user's log (a row altered,
   * inserted or removed behind the application's back), or the two stored copies disagree with
   * each other above the log. Nothing is applied; an admin decides with recovery.resolve.
   */
  'investigate',
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

/** Why a user is quarantined: one piece of evidence, in words, with the row it is about. */
export interface RecoveryEvidence {
  kind: 'altered' | 'unsealed' | 'removed' | 'logged_write_missing' | 'copies_disagree';
  transactionId: number | null;
  detail: string;
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
  /** investigate: what the chain, the operations log and the copies say (empty otherwise). */
  evidence: RecoveryEvidence[];
  /** The log's balance and the stored copies, as the plan read them. */
  log: { balance: number; transactions: number };
  stored: { points: number | null; rewards: number };
}

export interface RecoveryTotals {
  usersInScope: number;
  usersChanged: number;
  usersBlocked: number;
  /** Users quarantined (`investigate`): nothing is applied to them. */
  usersInvestigate: number;
  rowsCreated: number;
  balancesRaised: { users: number; points: number };
  balancesLowered: { users: number; points: number };
  /** The legacy users.rewards copies sync lowers (recover never lowers a copy). */
  legacyLowered: { users: number; points: number };
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

/** The one wording the audit, the plan, the CLI and the Recovery screen use for a quarantine. */
export const QUARANTINE_ADVICE =
  'recovery quarantines this user (investigate): nothing is applied until an admin resolves them, one at a time, with a decision and a written reason — accept the log as genuine, or keep the stored balance with an adjustment';

/**
 * An admin's decision on a quarantined user:
 * - accept_log: the log's rows are genuine; both copies are set to the log (up or down);
 * - keep_stored: the stored balance is right; an adjustment brings the log to it (reversing a
 *   row that should not be there, or recording one that is gone), then the copies follow.
 */
export const RESOLVE_DECISIONS = ['accept_log', 'keep_stored'] as const;
export type ResolveDecision = (typeof RESOLVE_DECISIONS)[number];

export interface ResolveResult {
  userId: number;
  decision: ResolveDecision;
  reason: string;
  /** The adjustment written (keep_stored with a difference), or null. */
  adjustment: { transactionId: number; points: number } | null;
  before: { logBalance: number; points: number | null; rewards: number };
  after: { logBalance: number; points: number; rewards: number };
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
    emits: 'progress',
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
    emits: 'progress',
    summary: 'Apply exactly a previewed plan, in chunks; CONFLICT if the data moved since the preview',
  }),
  'recovery.resolve': call<ResolveResult>()({
    input: z
      .object({
        userId,
        decision: z.enum(RESOLVE_DECISIONS),
        reason: z.string().trim().min(10, 'write why (at least 10 characters)').max(1000),
        /** The user's state as the admin read it (from recovery.plan's fingerprint of the user). */
        expect: z
          .object({
            logBalance: z.number().int(),
            points: z.number().int().nullable(),
            rewards: z.number().int(),
          })
          .strict(),
      })
      .strict(),
    minRole: 'admin',
    kind: 'action',
    summary:
      'Resolve one quarantined user by an explicit decision and a written reason, recorded in the operations log',
  }),
  'recovery.run': call<RecoveryRun>()({
    input: z.object({ runId: z.uuid() }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'One recovery run: its status and progress',
  }),
};
