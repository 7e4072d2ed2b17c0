import { z } from 'zod';
import { call } from './define';
import { overwrite, userId } from './common';

/** The tables a backup holds, in file order: every table is written after the ones it references. */
export const BACKUP_TABLES = [
  'users',
  'orders',
  'points_rewards',
  'user_points',
  'points_transactions',
  'user_points_redemptions',
] as const;
export type BackupTable = (typeof BACKUP_TABLES)[number];

export type BackupScope = 'full' | { userIds: number[] };
export type RestoreMode = 'merge' | 'replace';

const filePath = z
  .string()
  .trim()
  .min(1, 'a file path is required')
  .max(4096)
  .refine((p) => p.endsWith('.ndjson') || p.endsWith('.ndjson.gz'), {
    message: 'a backup file ends in .ndjson or .ndjson.gz',
  });
/** A renderer-chosen id for a long call, so it can poll backup.progress and call backup.cancel. */
const jobId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8–64 letters, digits, _ or -')
  .optional();
const scope = z.union([
  z.literal('full'),
  z
    .object({
      userIds: z
        .array(userId)
        .min(1, 'choose at least one user')
        .max(1000, 'at most 1,000 users per backup; use a full backup beyond that'),
    })
    .strict(),
]);

export interface BackupHeader {
  format: 'pointkeeper-backup';
  version: number;
  createdAt: string;
  createdBy: string;
  source: { server: string; database: string; serverVersion: string };
  scope: BackupScope;
  /** The newest migration of the database the backup was taken from. */
  schemaVersion: string;
  /** Each table's columns in row order; from version 2, also their PostgreSQL type names. */
  tables: Array<{ name: BackupTable; columns: string[]; types?: string[] }>;
}

export type TableCounts = Record<BackupTable, number>;

export interface ExportResult {
  path: string;
  bytes: number;
  compressed: boolean;
  counts: TableCounts;
  rows: number;
  sha256: string;
  seconds: number;
  rowsPerSecond: number;
}

export interface InspectResult {
  path: string;
  bytes: number;
  compressed: boolean;
  header: BackupHeader;
  /** Rows found in the file, per table. */
  counts: TableCounts;
  /** What the trailer says; null when the file has no trailer (truncated). */
  trailerCounts: TableCounts | null;
  checksum: { valid: boolean; expected: string | null; actual: string };
  /** Why the file would be refused by a restore, or null. */
  problem: string | null;
}

export interface TablePreview {
  table: BackupTable;
  inFile: number;
  /** Rows the restore adds. */
  insert: number;
  /** Rows already in the database exactly as in the file. */
  identical: number;
  /** Rows whose id exists with other values: kept by merge, overwritten by replace. */
  conflicting: number;
  /** Rows of users in scope that the file does not have: removed by replace, kept by merge. */
  remove: number;
}

export interface BalanceChange {
  userId: number;
  /** The stored balance now (user_points.points; 0 without a row). */
  before: number;
  /** user_points.points after the restore: exactly what the restore commits. */
  after: number;
  /** users.rewards (the legacy copy) now (null: a user the restore adds) and after the restore. */
  rewardsBefore: number | null;
  rewardsAfter: number;
}

export interface RowProblem {
  table: BackupTable;
  line: number;
  id: number;
  problem: string;
}

/** A backup's keyed signature, from its trailer (files from version 2 on may carry one). */
export interface BackupSignature {
  /** HMAC-SHA256(key, sha256 | signer | signedAt), hex. */
  signature: string;
  signer: string;
  signedAt: string;
  /** First 16 hex digits of sha256(key): names the signing database's key, reveals nothing. */
  keyFingerprint: string;
}

export interface SignatureCheck {
  status: 'this_database' | 'other_database' | 'unsigned';
  signature: BackupSignature | null;
  /** This database's key fingerprint, to compare with the file's. */
  thisDatabaseKey: string;
  /** The verdict in words: "signed by this database (exported by … at …)", … */
  text: string;
}

export interface RestorePlan {
  path: string;
  mode: RestoreMode;
  header: BackupHeader;
  sha256: string;
  /** Who made the file, as far as this database can tell. Restoring a file not signed by this
   * database needs acknowledgeNotSignedHere. */
  signature: SignatureCheck;
  tables: TablePreview[];
  /** Users whose balance the restore changes: the first 200, and how many in all. */
  balances: { changed: number; shown: BalanceChange[] };
  /** Rows that will not be applied as in the file (merge keeps the database's), the first 100. */
  problems: RowProblem[];
}

export interface RestoreResult extends RestorePlan {
  /** The automatic backup of the affected scope, written before anything changed (null: nothing existed). */
  safetyBackup: string | null;
  applied: Partial<Record<BackupTable, { inserted: number; updated: number; removed: number }>>;
  /** After the restore, checked for every restored user. */
  checks: { users: number; chainBreaks: number; copyMismatches: number };
  seconds: number;
}

export interface VerifyResult {
  path: string;
  sha256: string;
  rows: number;
  users: number;
  /** Chain links that fail and derived copies that disagree with the log, in the scratch copy. */
  chainBreaks: number;
  copyMismatches: number;
  ok: boolean;
  seconds: number;
}

export interface JobProgress {
  jobId: string;
  phase: string;
  rows: number;
  totalRows: number | null;
  rowsPerSecond: number;
  /** Seconds left at the current rate; null until it can be estimated. */
  etaSeconds: number | null;
  done: boolean;
}

export const backupCalls = {
  'backup.export': call<ExportResult>()({
    input: z.object({ scope, path: filePath, overwrite, jobId }).strict(),
    minRole: 'admin',
    kind: 'action',
    emits: 'progress',
    summary: 'Write a backup file of some users or everything, from one consistent snapshot',
  }),
  'backup.inspect': call<InspectResult>()({
    input: z.object({ path: filePath }).strict(),
    minRole: 'admin',
    kind: 'query',
    summary: "A backup file's header, row counts and checksum, without touching the database",
  }),
  'backup.restore.plan': call<RestorePlan>()({
    input: z.object({ path: filePath, mode: z.enum(['merge', 'replace']), jobId }).strict(),
    minRole: 'admin',
    kind: 'query',
    emits: 'progress',
    summary: 'Validate a whole backup file and preview what restoring it would change',
  }),
  'backup.restore.apply': call<RestoreResult>()({
    input: z
      .object({
        path: filePath,
        mode: z.enum(['merge', 'replace']),
        /** Where the automatic safety backup goes (default: beside the file restored). */
        safetyDir: z.string().trim().min(1).max(4096).optional(),
        /**
         * The person saw that the file is not signed by this database (unsigned, another
         * database's key, or written before keyed chains) and restores it anyway: its rows are
         * re-sealed with this database's key; recorded in the operations log with the call.
         */
        acknowledgeNotSignedHere: z.boolean().default(false),
        jobId,
      })
      .strict(),
    minRole: 'admin',
    kind: 'action',
    emits: 'progress',
    summary: 'Restore a backup file in one transaction, after a safety backup of what it replaces',
  }),
  'backup.verify': call<VerifyResult>()({
    input: z.object({ path: filePath, jobId }).strict(),
    minRole: 'admin',
    kind: 'action',
    emits: 'progress',
    summary:
      "Read a backup in a rolled-back transaction and check its chains (with this database's key) and copies",
  }),
  'backup.progress': call<{ job: JobProgress | null }>()({
    input: z.object({ jobId: z.string().max(64) }).strict(),
    minRole: 'admin',
    kind: 'query',
    summary: 'How far a running export, restore or verify has got',
  }),
  'backup.cancel': call<{ cancelled: boolean }>()({
    input: z.object({ jobId: z.string().max(64) }).strict(),
    minRole: 'admin',
    kind: 'action',
    summary: 'Cancel a running export, restore or verify: nothing partial is left behind',
  }),
};
