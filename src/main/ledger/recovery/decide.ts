import {
  AT_APPLY,
  QUARANTINE_ADVICE,
  type ColumnChange,
  type RecoveryEvidence,
  type PlannedTransaction,
  type RecoveryAction,
  type RecoveryDecision,
  type UserRecoveryPlan,
} from '../../../shared/contract/recovery';
import type { UserState } from './state';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * The balance a user was shown before recovery: their user_points row, or, when that row is
 * missing, the legacy users.rewards copy — the only stored balance left.
 */
export const storedBalance = (s: UserState): number => (s.hasRow ? (s.points ?? 0) : s.rewards);

/**
 * What recover keeps: the higher of the two stored copies. Recover never lowers either one — a
 * copy above the log is explained by an adjustment (the database's pointkeeper_recovery_apply
 * applies the same rule, so the plan and the write cannot disagree).
 */
export const keptBalance = (s: UserState): number => Math.max(s.hasRow ? (s.points ?? 0) : 0, s.rewards);

/** The adjustment recover writes so that the log explains a stored balance it falls short of. */
export function adjustmentFor(action: RecoveryAction, s: UserState): PlannedTransaction | null {
  const stored = keptBalance(s);
  if (action !== 'recover' || stored <= s.logSum) return null;
  const points = stored - s.logSum;
  return {
    type: 'adjustment',
    points,
    description: `Recovery: the stored balance was ${fmt(stored)} points but the log explained ${fmt(s.logSum)}; +${fmt(points)} records the missing transactions so the log explains the balance`,
  };
}

/**
 * What quarantines a user: the chain's and the operations log's evidence against their log, or
 * a legacy users.rewards above both the user_points balance and the log. The application writes
 * both copies together, so a legacy copy above the balance was written some other way; recover
 * never lowers a copy, and crediting that number would turn it into points without a person's say.
 */
export function evidenceOf(s: UserState): RecoveryEvidence[] {
  const out = [...(s.evidence ?? [])];
  const points = s.points ?? 0;
  if (s.hasRow && s.rewards > Math.max(points, s.logSum))
    out.push({
      kind: 'copies_disagree',
      transactionId: null,
      detail: `The copies disagree: the legacy users.rewards is ${fmt(s.rewards)}, above user_points.points (${fmt(points)}) and the log (${fmt(s.logSum)}); the application writes both together.`,
    });
  return out;
}

function decisionOf(action: RecoveryAction, s: UserState, target: number): RecoveryDecision {
  const stored = storedBalance(s);
  if (evidenceOf(s).length > 0) return 'investigate';
  if (action === 'sync' && s.logSum < 0) return 'blocked_negative';
  if (!s.hasRow) return 'rebuild_row';
  if (action === 'recover' && keptBalance(s) > s.logSum) return 'adjust_log_up';
  if (target > stored) return 'raise_to_log';
  if (target < stored) return 'lower_to_log';
  return 'copies_only';
}

function reasonOf(decision: RecoveryDecision, s: UserState, target: number, changed: string[]): string {
  const stored = storedBalance(s);
  const log = s.logSum;
  switch (decision) {
    case 'blocked_negative':
      return `The log sums to ${fmt(log)}, below zero, and no balance may be negative: sync leaves this user unchanged. Recover adds an adjustment instead.`;
    case 'rebuild_row':
      return target > log
        ? `No user_points row. The legacy copy shows ${fmt(stored)}, ${fmt(target - log)} more than the log explains (${fmt(log)}): the row is rebuilt and an adjustment keeps those points.`
        : `No user_points row: rebuilt from the log (${fmt(s.logCount)} transactions, balance ${fmt(log)}).`;
    case 'adjust_log_up':
      return `The stored balance ${fmt(keptBalance(s))} is ${fmt(keptBalance(s) - log)} more than the log explains (${fmt(log)}): an adjustment records the missing points; no points are taken away.`;
    case 'raise_to_log':
      return `The stored balance ${fmt(stored)} is lower than the log (${fmt(log)}): the log wins and the balance goes up by ${fmt(log - stored)}.`;
    case 'lower_to_log':
      return `The stored balance ${fmt(stored)} is higher than the log (${fmt(log)}): sync sets it to the log, ${fmt(stored - log)} points lower. Recover would keep them with an adjustment.`;
    case 'copies_only':
      return `The balance agrees with the log; ${changed.join(', ')} ${changed.length === 1 ? 'is' : 'are'} rebuilt from it.`;
    case 'investigate':
      return `The log (${fmt(log)}) cannot be vouched for, or the copies disagree (stored ${fmt(stored)}): ${QUARANTINE_ADVICE}.`;
  }
}

/** Every copy the plan lowers, said per copy (only sync lowers; recover never does). */
function loweredText(changes: ColumnChange[]): string {
  const lowered = changes.filter(
    (c) =>
      (c.column === 'user_points.points' || c.column === 'users.rewards') &&
      typeof c.before === 'number' &&
      typeof c.after === 'number' &&
      c.after < c.before,
  );
  if (lowered.length === 0) return '';
  const parts = lowered.map(
    (c) =>
      `${c.column} ${fmt(c.before as number)} → ${fmt(c.after as number)} (−${fmt((c.before as number) - (c.after as number))})`,
  );
  return ` Lowers ${parts.join(' and ')}.`;
}

/**
 * What sync or recover does for one unclean user: each column's value after, taken from the
 * log (plus recover's adjustment), and the reason in words. Pure, so the plan a person reads
 * and the apply that follows it decide the same way. `explain: false` leaves the reason empty,
 * for users the plan counts but does not list: the words cost more than the decision (thousands
 * separators; at 30,000 users 470 ms of the preview's CPU, 160 ms without them).
 */
export function decide(action: RecoveryAction, s: UserState, explain = true): UserRecoveryPlan {
  const adjustment = adjustmentFor(action, s);
  const extra = adjustment?.points ?? 0;
  const target = s.logSum + extra;
  const decision = decisionOf(action, s, target);
  const seen = {
    log: { balance: s.logSum, transactions: s.logCount },
    stored: { points: s.hasRow ? s.points : null, rewards: s.rewards },
  };
  if (decision === 'blocked_negative' || decision === 'investigate') {
    return {
      userId: s.userId,
      decision,
      reason: explain ? reasonOf(decision, s, target, []) : '',
      createsRow: false,
      changes: [],
      transactions: [],
      evidence: evidenceOf(s),
      ...seen,
    };
  }
  const after: Array<[ColumnChange['column'], ColumnChange['before'], ColumnChange['after']]> = [
    ['user_points.points', s.points, target],
    ['user_points.total_earned', s.totalEarned, s.logEarned + extra],
    ['user_points.total_redeemed', s.totalRedeemed, s.logRedeemed],
    ['user_points.last_earned_at', s.lastEarnedAt, extra > 0 ? AT_APPLY : s.logLastEarnedAt],
    ['users.rewards', s.rewards, target],
  ];
  const changes = after
    .filter(([column, before, value]) => (!s.hasRow && column !== 'users.rewards') || before !== value)
    .map(([column, before, value]) => ({ column, before, after: value }));
  return {
    userId: s.userId,
    decision,
    reason: explain
      ? `${reasonOf(
          decision,
          s,
          target,
          changes.map((c) => c.column),
        )}${loweredText(changes)}`
      : '',
    createsRow: !s.hasRow,
    changes,
    transactions: adjustment ? [adjustment] : [],
    evidence: [],
    ...seen,
  };
}
