import type { DiscrepancyKind } from '../../../shared/contract/audit';

/**
 * Human names for the ledger's code names. Screens show the label and keep the code in a
 * tooltip (`title`), so a person reads "Balance ≠ log" and support can still search for
 * `balance_mismatch`.
 */
export const KIND_LABEL: Record<DiscrepancyKind, string> = {
  balance_mismatch: 'Balance differs from the log',
  earned_mismatch: 'Lifetime earned differs',
  redeemed_mismatch: 'Lifetime redeemed differs',
  legacy_mismatch: 'Legacy copy differs',
  missing_user_points: 'Balance record missing',
  balance_without_transactions: 'Balance without transactions',
  redemption_without_transaction: 'Redemption not paid',
  transaction_without_redemption: 'Payment without redemption',
  negative_balance: 'Negative balance',
  chain_broken: 'Hash chain broken',
};

export const kindLabel = (kind: string): string => KIND_LABEL[kind as DiscrepancyKind] ?? humanize(kind);

/** Stored columns and figures, as the recovery plan and the audit name them. */
const COLUMN_LABEL: Record<string, string> = {
  'user_points.points': 'Balance',
  'user_points.total_earned': 'Lifetime earned',
  'user_points.total_redeemed': 'Lifetime redeemed',
  'user_points.last_earned_at': 'Last earned',
  'users.rewards': 'Legacy copy (users.rewards)',
  'log balance': 'Balance in the log',
  points: 'Balance',
  total_earned: 'Lifetime earned',
  total_redeemed: 'Lifetime redeemed',
  last_earned_at: 'Last earned',
  rewards: 'Legacy copy',
};

export const columnLabel = (column: string): string => COLUMN_LABEL[column] ?? humanize(column);

/** `backup.restore.apply` → "Backup · restore · apply" is no better; these are the sentences. */
const ACTION_LABEL: Record<string, string> = {
  'points.earn': 'Earn points',
  'points.redeem': 'Redeem points',
  'points.reverse': 'Reverse a transaction',
  'redemptions.markUsed': 'Mark a redemption used',
  'recovery.apply': 'Apply recovery',
  'recovery.plan': 'Preview recovery',
  'backup.export': 'Export a backup',
  'backup.restore.apply': 'Restore a backup',
  'backup.restore.plan': 'Preview a restore',
  'backup.verify': 'Verify a backup',
  'backup.inspect': 'Inspect a backup',
  'audit.scan': 'Scan every user',
  'audit.cancelScan': 'Cancel a scan',
  'report.export': 'Export a report',
  'demo.generate': 'Generate demo data',
  'profiles.connect': 'Connect',
  'approvals.request': 'Request approval',
  'approvals.approve': 'Approve a request',
  'approvals.deny': 'Deny a request',
  'approvals.cancel': 'Withdraw a request',
  'approvals.apply': 'Apply an approved request',
  'policies.set': 'Set an approval policy',
};

export const actionLabel = (action: string): string => ACTION_LABEL[action] ?? action;

function humanize(code: string): string {
  const words = code.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
