import { z } from 'zod';
import type { Role } from '../roles';
import { call } from './define';
import { plainText } from './common';

/** What an approval policy can cover (issue 17); the database holds one policy per kind. */
export const APPROVAL_KINDS = [
  'earn',
  'redeem',
  'recovery.apply',
  'restore.replace',
  'grants.apply',
] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export const APPROVAL_STATES = [
  'pending',
  'approved',
  'applied',
  'denied',
  'expired',
  'stale',
  'cancelled',
] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];
export const APPROVAL_VIEWS = ['waiting', 'mine', 'all'] as const;
export type ApprovalView = (typeof APPROVAL_VIEWS)[number];
export type ApproverRole = Extract<Role, 'operator' | 'admin'>;

export interface ApprovalRequest {
  id: string;
  kind: ApprovalKind;
  /** The full previewed content the approval applies, exactly. */
  payload: Record<string, unknown>;
  fingerprint: string;
  points: number;
  users: number;
  approverRole: ApproverRole;
  requestedBy: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  /** As stored, except that a pending or approved request past its expiry reads 'expired'. */
  state: ApprovalState;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  appliedBy: string | null;
  appliedAt: string | null;
  result: unknown;
  /** Whether the calling login may approve or deny it now (not its requester, role enough). */
  canDecide: boolean;
}

/** What a decision did. A stale or expired request is refused by being marked so: applied false. */
export interface ApprovalDecision {
  id: string;
  state: ApprovalState;
  applied: boolean;
  message: string;
  result?: unknown;
}

/** An earn/redeem a policy covers becomes a request instead of a change: not an error. */
export interface ApprovalPending {
  success: false;
  pendingApproval: true;
  requestId: string;
  expiresAt: string;
  message: string;
}

export interface ApprovalPolicy {
  kind: ApprovalKind;
  enabled: boolean;
  pointsAbove: number | null;
  usersAbove: number | null;
  approverRole: ApproverRole;
  expiresHours: number;
  updatedBy: string;
  updatedAt: string;
}

export interface BulkDecision {
  id: string;
  ok: boolean;
  decision?: ApprovalDecision;
  error?: string;
}

const requestId = z.uuid('a request id is a UUID');
const reason = plainText(3, 'say why (at least 3 characters)');
const threshold = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();

export const approvalsCalls = {
  'approvals.list': call<ApprovalRequest[]>()({
    input: z
      .object({
        /** waiting: those I may decide now; mine: those I asked; all: every request. */
        view: z.enum(APPROVAL_VIEWS).default('waiting'),
        states: z.array(z.enum(APPROVAL_STATES)).max(7).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'Approval requests: waiting for me, mine, or all, newest first',
  }),
  'approvals.show': call<ApprovalRequest>()({
    input: z.object({ id: requestId }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'One approval request with the preview it applies',
  }),
  'approvals.waitingCount': call<{ count: number }>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'How many requests wait for the calling login’s decision',
  }),
  'approvals.approve': call<ApprovalDecision>()({
    input: z.object({ id: requestId, reason }).strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Approve a request (not one’s own); an earn/redeem is applied in the same transaction',
  }),
  'approvals.approveMany': call<BulkDecision[]>()({
    input: z
      .object({ ids: z.array(requestId).min(1).max(100), reason })
      .strict()
      .refine((v) => new Set(v.ids).size === v.ids.length, { message: 'ids repeat', path: ['ids'] }),
    minRole: 'operator',
    kind: 'action',
    summary: 'Approve several pending requests of one kind, each in its own transaction',
  }),
  'approvals.deny': call<ApprovalDecision>()({
    input: z.object({ id: requestId, reason }).strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Deny a request: it can never apply',
  }),
  'approvals.cancel': call<ApprovalDecision>()({
    input: z.object({ id: requestId, reason }).strict(),
    minRole: 'operator',
    kind: 'write',
    summary: 'Withdraw one’s own pending request',
  }),
  'policies.list': call<ApprovalPolicy[]>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The approval policies, one per kind',
  }),
  'policies.set': call<ApprovalPolicy>()({
    input: z
      .object({
        kind: z.enum(APPROVAL_KINDS),
        enabled: z.boolean(),
        /** Covered above this many points; with usersAbove also null, every such change is covered. */
        pointsAbove: threshold.default(null),
        usersAbove: threshold.default(null),
        approverRole: z.enum(['operator', 'admin']).default('admin'),
        expiresHours: z.number().int().min(1).max(720).default(72),
        reason,
      })
      .strict()
      .refine((v) => !(['earn', 'redeem'].includes(v.kind) && v.usersAbove !== null), {
        message: 'an earn or redeem touches one user: its policy has a points threshold only',
        path: ['usersAbove'],
      }),
    minRole: 'admin',
    kind: 'write',
    summary: 'Set the approval policy of one kind',
  }),
};
