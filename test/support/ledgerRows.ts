import type { Knex } from 'knex';

export interface RawRow {
  user_id: number;
  type: string;
  points: number;
  description: string;
  order_id?: number | null;
  reverses_id?: number | null;
}

/**
 * Appends one log row sealed with the database's key but without the ledger's checks or its
 * copies — what a test needs to build a discrepancy. It calls the write API's internal append,
 * which only the owner (here: the test's superuser) may execute; staff logins cannot.
 */
export async function appendSealed(db: Knex, row: RawRow): Promise<{ id: number }> {
  const r = (await db.raw('SELECT (pointkeeper__append(?, ?, ?, ?, ?, NULL, ?, NULL)).id AS id', [
    row.user_id,
    row.type,
    row.points,
    row.description,
    row.order_id ?? null,
    row.reverses_id ?? null,
  ])) as { rows: Array<{ id: number }> };
  return r.rows[0]!;
}
