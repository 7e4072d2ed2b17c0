import type { Knex } from 'knex';
import type { ApprovalKind, ApprovalPending } from '../../../shared/contract';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';

/** The database's "needs approval" refusal (PK403 with DETAIL approvalRequired), or not. */
export function needsApproval(error: unknown): boolean {
  if (!(error instanceof AppError) || error.code !== 'FORBIDDEN') return false;
  const details = error.details as { approvalRequired?: unknown } | undefined;
  return details?.approvalRequired === true;
}

/**
 * Runs a write; when an approval policy covers it, files the request instead — the same
 * content, for another login to approve — and answers APPROVAL_PENDING with the request: an
 * outcome the console shows as "waiting for approval", not as a failure. The write's own output
 * type stays what it was, so callers that need the change applied still see it was not.
 */
export async function orRequestApproval<T>(
  db: Knex,
  kind: Extract<ApprovalKind, 'earn' | 'redeem'>,
  payload: Record<string, unknown>,
  reason: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!needsApproval(error)) throw error;
    const request = await callWrite<{ id: string; expires_at: string }>(
      db,
      'pointkeeper_approval_request(?, ?::jsonb, ?)',
      [kind, JSON.stringify(payload), reason],
    );
    const policy = (error as AppError).details as { approverRole?: string; pointsAbove?: number | null };
    const above =
      policy.pointsAbove != null ? ` above ${policy.pointsAbove.toLocaleString('en-US')} points` : '';
    const pending: ApprovalPending = {
      success: false,
      pendingApproval: true,
      requestId: request.id,
      expiresAt: new Date(request.expires_at).toISOString(),
      message: `Request created, waiting for approval: a ${kind}${above} needs another ${policy.approverRole ?? 'admin'}'s approval (request ${request.id}).`,
    };
    throw new AppError('APPROVAL_PENDING', pending.message, pending);
  }
}

/** A request's reason from a form that has only a description: the database wants 3 to 500 characters. */
export function reasonFrom(kind: string, points: number, userId: number, description: string): string {
  return `${kind} ${points} points for user ${userId}: ${description}`.slice(0, 500);
}
