import type { Knex } from 'knex';
import type { GrantApprovalRequest, GrantImport, GrantImportStatus } from '../../../shared/contract/grants';
import type { GrantImportsRow } from '../../db/tables';
import { notFound } from '../../errors';
import { iso, isoOrNull } from '../dates';
import { callWrite } from '../writeApi';

/** The table's row, its status as the contract names the states the CHECK constraint allows. */
type ImportRow = Omit<GrantImportsRow, 'status'> & { status: GrantImportStatus };

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
  const row = await db<ImportRow>('grant_imports').where({ id: importId }).first();
  if (!row) throw notFound(`Grant import ${importId}`);
  return toImport(row);
}

export async function listImports(db: Knex, limit: number): Promise<{ imports: GrantImport[] }> {
  const rows = await db<ImportRow>('grant_imports').orderBy('created_at', 'desc').limit(limit);
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
