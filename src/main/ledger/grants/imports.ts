import type { Knex } from 'knex';
import type { GrantApprovalRequest, GrantImport, GrantImportStatus } from '../../../shared/contract/grants';
import { notFound } from '../../errors';
import { iso, isoOrNull } from '../dates';
import { callWrite } from '../writeApi';

interface ImportRow {
  id: string;
  file_name: string;
  file_sha256: string;
  status: GrantImportStatus;
  rows: number;
  users: number;
  points_credited: number;
  points_debited: number;
  rows_applied: number;
  rows_replayed: number;
  rows_refused: number;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}

const toImport = (r: ImportRow): GrantImport => ({
  importId: r.id,
  fileName: r.file_name,
  sha256: r.file_sha256,
  status: r.status,
  rows: r.rows,
  users: r.users,
  pointsCredited: r.points_credited,
  pointsDebited: r.points_debited,
  rowsApplied: r.rows_applied,
  rowsReplayed: r.rows_replayed,
  rowsRefused: r.rows_refused,
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  finishedAt: isoOrNull(r.finished_at),
});

export async function getImport(db: Knex, importId: string): Promise<GrantImport> {
  const row = (await db('grant_imports').where({ id: importId }).first()) as ImportRow | undefined;
  if (!row) throw notFound(`Grant import ${importId}`);
  return toImport(row);
}

export async function listImports(db: Knex, limit: number): Promise<{ imports: GrantImport[] }> {
  const rows = (await db('grant_imports').orderBy('created_at', 'desc').limit(limit)) as ImportRow[];
  return { imports: rows.map(toImport) };
}

/** Rows an import has not applied, replayed or refused yet. */
export const rowsLeft = (i: GrantImport) => i.rows - i.rowsApplied - i.rowsReplayed - i.rowsRefused;

/** Asks for approval of a staged import; the database builds the request from the import itself. */
export async function requestApproval(
  db: Knex,
  importId: string,
  reason: string,
): Promise<GrantApprovalRequest> {
  const r = await callWrite<{ id: string; state: string; expires_at: string }>(
    db,
    'pointkeeper_grants_request(?::uuid, ?)',
    [importId, reason],
  );
  return { requestId: r.id, state: r.state, expiresAt: iso(r.expires_at) };
}
