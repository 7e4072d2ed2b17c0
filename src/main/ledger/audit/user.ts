import type { Knex } from 'knex';
import type { ParsedInput, Role, UserAudit } from '../../../shared/contract';
import type { ChainStatus } from '../../../shared/contract/audit';
import { notFound } from '../../errors';
import { chainBreaksOf } from '../chain';
import { iso, isoOrNull } from '../dates';
import { history } from '../history';
import { logTotalsOf } from '../logTotals';
import { listRedemptions } from '../redemptions';
import { chainBreakMessage, toDiscrepancy } from './explain';
import { findingsQuery, type Finding } from './findings';

interface StoredCopies {
  rewards: number;
  user_updated_at: Date;
  points: number | null;
  total_earned: number | null;
  total_redeemed: number | null;
  last_earned_at: Date | null;
  created_at: Date | null;
  updated_at: Date | null;
}

async function storedCopies(db: Knex, userId: number): Promise<StoredCopies> {
  const row = (await db('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .where('u.id', userId)
    .first(
      'u.rewards',
      'u.updated_at as user_updated_at',
      'up.points',
      'up.total_earned',
      'up.total_redeemed',
      'up.last_earned_at',
      'up.created_at',
      'up.updated_at',
    )) as StoredCopies | undefined;
  if (!row) throw notFound(`User ${userId}`);
  return row;
}

async function chainStatus(db: Knex, userId: number, rows: number): Promise<ChainStatus> {
  const breaks = await chainBreaksOf(db, userId);
  const first = breaks[0];
  return {
    verified: breaks.length === 0,
    rowsChecked: rows,
    firstBreak: first
      ? {
          transactionId: first.transactionId,
          previousId: first.previousId,
          kind: first.kind,
          message: chainBreakMessage(first.kind, first.transactionId, first.previousId),
        }
      : null,
    breaks: breaks.length,
  };
}

/**
 * The spec's "Points Audit" for one user: totals from the log, the stored copies, every
 * discrepancy (found by the same SQL the scan runs), the hash chain, and — for admins who ask —
 * the redemptions and what recovery would do.
 */
export async function auditUser(
  db: Knex,
  input: ParsedInput<'audit.user'>,
  role: Role | null,
): Promise<UserAudit> {
  const { userId } = input;
  const copies = await storedCopies(db, userId);
  const totals = await logTotalsOf(db, userId);
  const page = await history(db, { userId, limit: input.limit, cursor: null });
  const findings = ((await findingsQuery(db, userId, userId, true)) as { rows: Finding[] }).rows;
  const discrepancies = findings.map(toDiscrepancy);
  const audit: UserAudit = {
    success: true,
    userId,
    summary: {
      total_points_earned: totals.credits,
      total_points_redeemed: totals.debits,
      current_points: totals.balance,
      total_transactions: totals.count,
      first_transaction: isoOrNull(totals.firstAt),
      last_transaction: isoOrNull(totals.lastAt),
    },
    transactions: page.items,
    userPointsRecord:
      copies.points === null
        ? null
        : {
            points: copies.points,
            total_earned: copies.total_earned ?? 0,
            total_redeemed: copies.total_redeemed ?? 0,
            last_earned_at: isoOrNull(copies.last_earned_at),
            created_at: iso(copies.created_at!),
            updated_at: iso(copies.updated_at!),
          },
    legacyRewards: { rewards: copies.rewards, updated_at: iso(copies.user_updated_at) },
    dataIntegrity: {
      transactionsMatchUserPoints:
        copies.points === null
          ? totals.count === 0
          : copies.points === totals.balance &&
            copies.total_earned === totals.credits &&
            copies.total_redeemed === totals.debits,
      legacyRewardsMatch: copies.rewards === totals.balance,
      discrepancies,
      chain: await chainStatus(db, userId, totals.count),
    },
  };
  if (input.includeRecoveryData && role === 'admin') {
    audit.recoveryData = {
      redemptions: await listRedemptions(db, userId),
      recoveryRecommendations: discrepancies.map((d) => d.recommendation),
    };
  }
  return audit;
}
