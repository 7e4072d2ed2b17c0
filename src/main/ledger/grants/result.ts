import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Knex } from 'knex';
import { writeAtomically } from '../backup/atomicFile';
import { getImport } from './imports';

const PAGE = 5_000;

/** The import's rows in line order, a page at a time (memory stays one page). */
async function* resultRows(db: Knex, importId: string): AsyncGenerator<Record<string, unknown>> {
  for (let after = 0; ;) {
    const rows = await db('grant_rows')
      .where({ import_id: importId })
      .andWhere('line', '>', after)
      .orderBy('line')
      .limit(PAGE);
    if (rows.length === 0) return;
    for (const r of rows) {
      yield {
        line: r.line,
        user: r.user_id,
        type: r.type,
        // As the file wrote it: debits are redeemed rows with positive points.
        points: Math.abs(r.points),
        description: r.description,
        'order id': r.order_id ?? '',
        key: r.key,
        outcome: r.outcome ?? 'pending',
        'transaction id': r.transaction_id ?? '',
        reason: r.reason ?? '',
      };
    }
    after = rows.at(-1)!.line;
  }
}

const RESULT_COLUMNS = [
  'line',
  'user',
  'type',
  'points',
  'description',
  'order id',
  'key',
  'outcome',
  'transaction id',
  'reason',
];

/**
 * Every row of an import with its outcome (applied, replayed, refused, or pending for an import
 * not finished), as CSV. A cell starting with = + - @ is quoted as text (csv-stringify's
 * escape_formulas), so a description cannot become a spreadsheet formula.
 */
export async function writeGrantResult(
  db: Knex,
  importId: string,
  path: string,
  signal: AbortSignal,
): Promise<{ path: string; rows: number }> {
  const imp = await getImport(db, importId);
  const csv = Readable.from(resultRows(db, importId)).pipe(
    stringify({ header: true, escape_formulas: true, columns: RESULT_COLUMNS }),
  );
  await writeAtomically(path, csv as AsyncIterable<Buffer>, signal);
  return { path, rows: imp.rows };
}

/** The template the Grants screen offers: the columns, and one row of each kind. */
export const GRANT_TEMPLATE = [
  'user,points,description,type,order id,key',
  '42,500,Spring campaign bonus,bonus,,',
  'ana@example.com,250,Apology for the late delivery,earned,,apology-2026-ana',
  '42,100,Voucher exchanged at the till,redeemed,,',
  '',
].join('\n');

export async function writeGrantTemplate(path: string, signal: AbortSignal): Promise<{ path: string }> {
  async function* text() {
    yield GRANT_TEMPLATE;
  }
  await writeAtomically(path, text(), signal);
  return { path };
}
