import type { Knex } from 'knex';
import type { ApprovalKind, ApprovalPolicy, ApproverRole, ParsedInput } from '../../../shared/contract';
import { AppError } from '../../errors';
import { callWrite } from '../writeApi';

interface PolicyRow {
  kind: ApprovalKind;
  enabled: boolean;
  points_above: string | null;
  users_above: string | null;
  approver_role: ApproverRole;
  expires_hours: number;
  updated_by: string;
  updated_at: string | Date;
}

const num = (v: string | number | null) => (v === null ? null : Number(v));

export function toPolicy(row: PolicyRow): ApprovalPolicy {
  return {
    kind: row.kind,
    enabled: row.enabled,
    pointsAbove: num(row.points_above),
    usersAbove: num(row.users_above),
    approverRole: row.approver_role,
    expiresHours: row.expires_hours,
    updatedBy: row.updated_by,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Kinds whose applying code does not call the approval gate yet (see migration 400). */
const NOT_ENFORCED: ReadonlySet<string> = new Set(['recovery.apply', 'restore.replace']);

const ORDER = ['earn', 'redeem', 'recovery.apply', 'restore.replace', 'grants.apply'];

export async function listPolicies(db: Knex): Promise<ApprovalPolicy[]> {
  const rows = (await db('approval_policies').select('*')) as PolicyRow[];
  return rows.map(toPolicy).sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/** Admin only (EXECUTE is granted to the admin role); the function logs the change with its before. */
export async function setPolicy(db: Knex, input: ParsedInput<'policies.set'>): Promise<ApprovalPolicy> {
  // The database refuses it too (approval_policies_enforced_kinds); this says why in words.
  if (input.enabled && NOT_ENFORCED.has(input.kind))
    throw new AppError(
      'VALIDATION',
      `A ${input.kind} policy cannot be switched on yet: ${input.kind} does not pass the approval gate, so the policy would promise a check nothing enforces.`,
    );
  const row = await callWrite<PolicyRow>(db, 'pointkeeper_policy_set(?, ?, ?, ?, ?, ?, ?)', [
    input.kind,
    input.enabled,
    input.pointsAbove,
    input.usersAbove,
    input.approverRole,
    input.expiresHours,
    input.reason,
  ]);
  return toPolicy(row);
}
