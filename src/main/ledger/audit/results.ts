import type { Knex } from 'knex';
import { z } from 'zod';
import type { Discrepancy, Page, ParsedInput } from '../../../shared/contract';
import type { ScanSort } from '../../../shared/contract/audit';
import { notFound } from '../../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import { toDiscrepancy } from './explain';
import type { Finding } from './findings';

/** The SQL each sort orders by; id breaks ties so keyset pages never skip or repeat a row. */
const SORT_SQL: Record<ScanSort, string> = {
  stake: 'r.stake',
  userId: 'r.user_id',
  kind: 'r.kind',
  difference: 'coalesce(r.difference, 0)',
};
const resultsCursor = z.tuple([z.union([z.string(), z.number()]), z.number().int()]);

type ResultsFilter = Pick<ParsedInput<'audit.scanResults'>, 'scanId' | 'kinds' | 'userId'>;

/** A scan's findings, filtered, as a query sorted by `sort` (used by the page and the exports). */
export function resultsQuery(
  db: Knex,
  filter: ResultsFilter,
  sort: ScanSort = 'stake',
  order: 'asc' | 'desc' = 'desc',
): Knex.QueryBuilder {
  const q = db('audit_scan_results as r')
    .where('r.scan_id', filter.scanId)
    .select('r.*', db.raw(`${SORT_SQL[sort]} AS sort_value`))
    .orderByRaw(`${SORT_SQL[sort]} ${order}, r.id ${order}`);
  if (filter.kinds?.length) q.whereIn('r.kind', filter.kinds);
  if (filter.userId !== undefined) q.where('r.user_id', filter.userId);
  return q;
}

export async function scanResults(
  db: Knex,
  input: ParsedInput<'audit.scanResults'>,
): Promise<Page<Discrepancy>> {
  const scan = await db('audit_scans').where({ id: input.scanId }).first('id');
  if (!scan) throw notFound(`Scan ${input.scanId}`);
  const q = resultsQuery(db, input, input.sort, input.order).limit(input.limit + 1);
  if (input.cursor !== null) {
    const [value, id] = decodeCursor(input.cursor, resultsCursor);
    q.whereRaw(`(${SORT_SQL[input.sort]}, r.id) ${input.order === 'desc' ? '<' : '>'} (?, ?)`, [value, id]);
  }
  const rows = (await q) as Array<Finding & { id: number; sort_value: string | number }>;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(toDiscrepancy),
    nextCursor:
      rows.length > input.limit && last
        ? encodeCursor([
            typeof last.sort_value === 'string' ? last.sort_value : Number(last.sort_value),
            last.id,
          ])
        : null,
  };
}
