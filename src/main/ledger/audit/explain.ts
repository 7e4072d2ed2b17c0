import type { ChainBreakKind, Discrepancy, Recommendation } from '../../../shared/contract/audit';
import { QUARANTINE_ADVICE } from '../../../shared/contract/recovery';
import type { Finding } from './findings';

const n = (v: number) => v.toLocaleString('en-US');
const arrow = (a: number | null, b: number | null) =>
  `${a === null ? 'none' : n(a)} → ${b === null ? 'none' : n(b)}`;

function rec(
  action: Recommendation['action'],
  target: string,
  before: number | null,
  after: number | null,
  why: string,
): Recommendation {
  return { action, target, before, after, effect: `${action}: ${target} ${arrow(before, after)} — ${why}` };
}

/** Names the first broken row, in words an auditor can act on. */
export function chainBreakMessage(kind: ChainBreakKind, id: number | null, previous: number | null): string {
  if (kind === 'altered')
    return `transaction ${id} was altered after it was written: its content no longer matches its hash`;
  if (kind === 'unsealed')
    return `transaction ${id} has no hash: it was inserted behind the application's back`;
  return previous === null
    ? `transaction ${id} should be the user's first but names a predecessor: earlier rows were removed`
    : `transaction ${id} does not follow transaction ${previous}: a row between them was removed (or ${previous}'s hash was rewritten)`;
}

/** What a finding means in words, and what to do about it with its exact effect (pure). */
function explain(f: Finding): { message: string; recommendation: Recommendation } {
  const stored = f.stored ?? 0;
  const expected = f.expected ?? 0;
  const log = f.log_balance;
  switch (f.kind) {
    case 'balance_mismatch':
      return {
        message: `user_points.points is ${n(stored)} but the log adds up to ${n(expected)}.`,
        recommendation:
          stored > expected
            ? rec(
                'recover',
                'log balance',
                expected,
                stored,
                `an adjustment of +${n(stored - expected)} records the missing transactions; no points are taken away`,
              )
            : rec('sync', 'user_points.points', stored, expected, 'the log wins; the balance goes up'),
      };
    case 'earned_mismatch':
      return {
        message: `user_points.total_earned is ${n(stored)} but the log's credits add up to ${n(expected)}.`,
        recommendation: rec('sync', 'user_points.total_earned', stored, expected, 'rebuilt from the log'),
      };
    case 'redeemed_mismatch':
      return {
        message: `user_points.total_redeemed is ${n(stored)} but the log's debits add up to ${n(expected)}.`,
        recommendation: rec('sync', 'user_points.total_redeemed', stored, expected, 'rebuilt from the log'),
      };
    case 'legacy_mismatch':
      return {
        message: `The legacy users.rewards is ${n(stored)} but the log's balance is ${n(expected)}.`,
        recommendation:
          stored > expected
            ? rec('investigate', 'users.rewards', stored, stored, QUARANTINE_ADVICE)
            : rec('sync', 'users.rewards', stored, expected, 'the legacy copy follows the log'),
      };
    case 'missing_user_points':
      return {
        message: `The user has transactions (balance ${n(expected)}) but no user_points row.`,
        recommendation: rec(
          'recover',
          'user_points.points',
          null,
          expected,
          'the row is rebuilt from the log',
        ),
      };
    case 'balance_without_transactions':
      return {
        message: `A stored balance of ${n(stored)} with no transactions at all: nothing explains it.`,
        recommendation: rec(
          'recover',
          'log balance',
          0,
          stored,
          `an adjustment of ${n(stored)} makes the log explain the balance the user was shown`,
        ),
      };
    case 'negative_balance':
      return {
        message: `The log adds up to ${n(stored)}: below zero, which no balance may be.`,
        recommendation: rec(
          'investigate',
          'log balance',
          stored,
          0,
          'find the debit that should not have been written; recover would add an adjustment up to the stored balance',
        ),
      };
    case 'redemption_without_transaction':
      return {
        message:
          f.transaction_id === null
            ? `Redemption ${f.redemption_id} (${n(stored)} points) has no debit in the log.`
            : `Redemption ${f.redemption_id} (${n(stored)} points) is not paid by transaction ${f.transaction_id} (in effect: ${n(expected)}).`,
        recommendation: rec(
          'investigate',
          'log balance',
          log,
          log - (stored - expected),
          `record the missing debit of ${n(stored - expected)}, or cancel redemption ${f.redemption_id} (no balance change)`,
        ),
      };
    case 'transaction_without_redemption':
      return {
        message: `Transaction ${f.transaction_id} took ${n(stored)} points for redemption ${f.redemption_id}, which was cancelled.`,
        recommendation: rec(
          'investigate',
          'log balance',
          log,
          log + stored,
          `reverse transaction ${f.transaction_id} to give the points back`,
        ),
      };
    case 'chain_broken': {
      return {
        message: `Hash chain broken: ${chainBreakMessage(f.detail ?? 'altered', f.transaction_id, f.previous_id)}.`,
        recommendation: rec(
          'investigate',
          'log balance',
          log,
          log,
          `compare the log with the last backup; the chain proves a change but cannot undo it; ${QUARANTINE_ADVICE}`,
        ),
      };
    }
  }
}

export function toDiscrepancy(f: Finding): Discrepancy {
  const difference = f.stored === null || f.expected === null ? null : Number(f.stored) - Number(f.expected);
  return {
    code: f.kind,
    userId: f.user_id,
    stored: f.stored === null ? null : Number(f.stored),
    expected: f.expected === null ? null : Number(f.expected),
    difference,
    transactionId: f.transaction_id,
    redemptionId: f.redemption_id,
    ...explain({
      ...f,
      stored: f.stored === null ? null : Number(f.stored),
      expected: f.expected === null ? null : Number(f.expected),
      log_balance: Number(f.log_balance),
    }),
  };
}
