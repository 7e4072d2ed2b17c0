import type { Knex } from 'knex';
import type { ApprovalDecision, BulkDecision } from '../../../shared/contract';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';

/**
 * Decisions are the database's (migration 20261202_200): requester ≠ approver, the approver's
 * role, expiry and the fingerprint are checked there against session_user, and an earn/redeem is
 * applied in the approving transaction. A stale or expired request comes back applied: false.
 */
export const approve = (db: Knex, id: string, reason: string) =>
  callWrite<ApprovalDecision>(db, 'pointkeeper_approval_approve(?, ?)', [id, reason]);

export const deny = (db: Knex, id: string, reason: string) =>
  callWrite<ApprovalDecision>(db, 'pointkeeper_approval_deny(?, ?)', [id, reason]);

export const cancel = (db: Knex, id: string, reason: string) =>
  callWrite<ApprovalDecision>(db, 'pointkeeper_approval_cancel(?, ?)', [id, reason]);

/**
 * Bulk approve for requests of one kind: each in its own transaction (one function call), so a
 * stale one does not undo the others; every outcome is reported.
 */
export async function approveMany(
  db: Knex,
  ids: readonly string[],
  reason: string,
  signal: AbortSignal,
): Promise<BulkDecision[]> {
  const kinds = (await db('approval_requests').whereIn('id', ids).distinct('kind')) as Array<{
    kind: string;
  }>;
  if (kinds.length > 1)
    throw new AppError(
      'VALIDATION',
      `Bulk approval takes requests of one kind; these are ${kinds.map((k) => k.kind).join(', ')}.`,
    );
  const out: BulkDecision[] = [];
  for (const id of ids) {
    if (signal.aborted) {
      out.push({ id, ok: false, error: 'Not tried: cancelled.' });
      continue;
    }
    try {
      out.push({ id, ok: true, decision: await approve(db, id, reason) });
    } catch (error) {
      out.push({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
