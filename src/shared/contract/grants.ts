import { z } from 'zod';
import { call } from './define';
import type { JobProgress } from './backup';
import { overwrite, plainText } from './common';

/** The types a grant row may have: `redeemed` is a debit (written with positive points). */
export const GRANT_TYPES = ['earned', 'bonus', 'signup', 'first_order', 'redeemed'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** A problem with one line of a grant file (line 1 is the header). */
export interface GrantProblem {
  line: number;
  problem: string;
}

export interface GrantPreviewRow {
  line: number;
  type: GrantType;
  /** Signed as in the ledger: a redeemed row is negative. */
  points: number;
  description: string;
}

export interface GrantPreviewUser {
  userId: number;
  email: string;
  name: string;
  balanceNow: number;
  balanceAfter: number;
  rowCount: number;
  /** The user's first rows in the file (at most three). */
  rows: GrantPreviewRow[];
}

export interface GrantPreview {
  rows: number;
  users: number;
  pointsCredited: number;
  pointsDebited: number;
  byType: Array<{ type: GrantType; rows: number; points: number }>;
  /** Rows whose key is already in the ledger with the same content: they replay, moving nothing. */
  alreadyApplied: number;
  /** The first users of the file, in order of their first line. */
  firstUsers: GrantPreviewUser[];
}

export interface GrantCheck {
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  /** The data rows read. */
  rows: number;
  /** Every problem, by line, the first 500; `problemCount` counts them all. */
  problems: GrantProblem[];
  problemCount: number;
  /** Only for a file without problems. */
  preview: GrantPreview | null;
  /** Set when the file was kept as an import (grants.import); null for a check. */
  importId: string | null;
}

/** A request for approval of an import (the Approvals screen decides it). */
export interface GrantApprovalRequest {
  requestId: string;
  state: string;
  expiresAt: string;
}

export type GrantImportStatus = 'staged' | 'applying' | 'cancelled' | 'failed' | 'done';

export interface GrantImport {
  importId: string;
  fileName: string;
  sha256: string;
  status: GrantImportStatus;
  rows: number;
  users: number;
  pointsCredited: number;
  pointsDebited: number;
  rowsApplied: number;
  rowsReplayed: number;
  rowsRefused: number;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}

const csvPath = z
  .string()
  .trim()
  .min(1, 'a file path is required')
  .max(4096)
  .refine((p) => p.toLowerCase().endsWith('.csv'), { message: 'a grant file ends in .csv' });
const jobId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8–64 letters, digits, _ or -')
  .optional();
const importId = z.uuid('an import id is a UUID');

export const grantsCalls = {
  'grants.check': call<GrantCheck>()({
    input: z.object({ path: csvPath, jobId }).strict(),
    minRole: 'operator',
    kind: 'query',
    emits: 'progress',
    summary: 'Validate every row of a grant CSV and preview it; nothing is written',
  }),
  'grants.import': call<GrantCheck>()({
    input: z.object({ path: csvPath, jobId }).strict(),
    minRole: 'operator',
    kind: 'action',
    emits: 'progress',
    summary: 'Validate a grant CSV and keep it as an import to apply (refused whole on any problem)',
  }),
  'grants.apply': call<GrantImport>()({
    input: z
      .object({ importId, jobId, chunkRows: z.number().int().min(1).max(50_000).default(5_000) })
      .strict(),
    minRole: 'operator',
    kind: 'action',
    emits: 'progress',
    summary: 'Apply (or resume) a grant import in chunks; each row applies once, whatever the interruptions',
  }),
  'grants.request': call<GrantApprovalRequest>()({
    input: z.object({ importId, reason: plainText(3, 'give a reason of at least 3 characters') }).strict(),
    minRole: 'operator',
    kind: 'action',
    summary: 'Ask for approval of a staged import that an approval policy covers',
  }),
  'grants.get': call<GrantImport>()({
    input: z.object({ importId }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: "A grant import's state and counts",
  }),
  'grants.list': call<{ imports: GrantImport[] }>()({
    input: z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The latest grant imports',
  }),
  'grants.result': call<{ path: string; rows: number }>()({
    input: z.object({ importId, path: csvPath, overwrite }).strict(),
    minRole: 'auditor',
    kind: 'action',
    summary: "Write a grant import's result file: every row with its outcome",
  }),
  'grants.template': call<{ path: string }>()({
    input: z.object({ path: csvPath, overwrite }).strict(),
    minRole: 'auditor',
    kind: 'action',
    summary: 'Write a template grant CSV with the columns and example rows',
  }),
  'grants.progress': call<{ job: JobProgress | null }>()({
    input: z.object({ jobId: z.string().max(64) }).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'How far a running grant check, import or apply has got',
  }),
  'grants.cancel': call<{ cancelled: boolean }>()({
    input: z.object({ jobId: z.string().max(64) }).strict(),
    minRole: 'operator',
    kind: 'action',
    summary: 'Stop a running grant apply after its current chunk (resume it with grants.apply)',
  }),
};
