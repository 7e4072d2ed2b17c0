import type { Knex } from 'knex';
import type {
  ApprovalKind,
  ApprovalRequest,
  ApprovalState,
  ApprovalView,
  ApproverRole,
} from '../../../shared/contract';
import { roleAllows, type Role } from '../../../shared/roles';
import { AppError } from '../../errors';
import type { ApprovalRequestsRow } from '../../db/tables';

/** A request as listed: the table's row, with the kind and payload as the contract reads them. */
type RequestRow = Omit<
  ApprovalRequestsRow,
  'executing_txid' | 'kind' | 'payload' | 'approver_role' | 'state'
> & {
  kind: ApprovalKind;
  payload: Record<string, unknown>;
  approver_role: ApproverRole;
  state: ApprovalState;
  effective_state: ApprovalState;
};

/** Who is asking: their login and their console role (from the session's whoami). */
export interface Viewer {
  login: string;
  role: Role | null;
}

const COLUMNS = [
  'id',
  'kind',
  'payload',
  'fingerprint',
  'points',
  'users',
  'approver_role',
  'requested_by',
  'reason',
  'created_at',
  'expires_at',
  'state',
  'decided_by',
  'decided_at',
  'decision_reason',
  'applied_by',
  'applied_at',
  'result',
];

// A request past its expiry is expired whether or not anyone has tried it since: the functions
// refuse it either way, and the screen should not offer it.
const EFFECTIVE_STATE = `CASE WHEN state IN ('pending', 'approved') AND expires_at <= now() THEN 'expired' ELSE state END`;

function select(db: Knex) {
  return db('approval_requests').select<RequestRow[]>([
    ...COLUMNS,
    db.raw(`${EFFECTIVE_STATE} AS effective_state`),
  ]);
}

/** The same rule the database applies when deciding: not one's own, and the request's role. */
export function canDecide(
  viewer: Viewer,
  row: { requested_by: string; approver_role: ApproverRole },
  state: ApprovalState,
) {
  return (
    state === 'pending' && row.requested_by !== viewer.login && roleAllows(viewer.role, row.approver_role)
  );
}

function toRequest(row: RequestRow, viewer: Viewer): ApprovalRequest {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    kind: row.kind,
    payload: row.payload,
    fingerprint: row.fingerprint,
    points: Number(row.points),
    users: Number(row.users),
    approverRole: row.approver_role,
    requestedBy: row.requested_by,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    state: row.effective_state,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    decisionReason: row.decision_reason,
    appliedBy: row.applied_by,
    appliedAt: iso(row.applied_at),
    result: row.result,
    canDecide: canDecide(viewer, row, row.effective_state),
  };
}

/** Roles that may decide a request needing `approverRole`. */
const decidableRoles = (viewer: Viewer): ApproverRole[] =>
  (['operator', 'admin'] as const).filter((r) => roleAllows(viewer.role, r));

function waitingFor(query: Knex.QueryBuilder, viewer: Viewer): Knex.QueryBuilder {
  return query
    .where('state', 'pending')
    .whereRaw('expires_at > now()')
    .whereNot('requested_by', viewer.login)
    .whereIn('approver_role', decidableRoles(viewer));
}

export interface ListInput {
  view: ApprovalView;
  states?: ApprovalState[] | undefined;
  limit: number;
}

export async function listRequests(db: Knex, viewer: Viewer, input: ListInput): Promise<ApprovalRequest[]> {
  let query = select(db).orderBy('created_at', 'desc').orderBy('id').limit(input.limit);
  if (input.view === 'waiting') query = waitingFor(query, viewer);
  if (input.view === 'mine') query = query.where('requested_by', viewer.login);
  if (input.view === 'all' && !roleAllows(viewer.role, 'admin') && viewer.role !== 'auditor')
    throw new AppError(
      'FORBIDDEN',
      'Every request is listed for admins and auditors; an operator sees "waiting" and "mine".',
    );
  if (input.states?.length) query = query.whereRaw(`${EFFECTIVE_STATE} = ANY(?)`, [input.states]);
  const rows = await query;
  return rows.map((r) => toRequest(r, viewer));
}

export async function showRequest(db: Knex, viewer: Viewer, id: string): Promise<ApprovalRequest> {
  const [row] = await select(db).where({ id }).limit(1);
  if (!row) throw new AppError('NOT_FOUND', `Approval request ${id} was not found.`);
  return toRequest(row, viewer);
}

export async function waitingCount(db: Knex, viewer: Viewer): Promise<{ count: number }> {
  const row = (await waitingFor(db('approval_requests'), viewer).count({ n: '*' }).first()) as
    { n: string | number } | undefined;
  return { count: Number(row?.n ?? 0) };
}
