import { copyField } from '../../db/copyText';
import type { RowVisit } from './reader';

function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'string' ? value : String(value as number);
  return copyField(text);
}

/**
 * A checked backup row as a line of COPY text for its staging table: the header's columns in
 * order, then the row's line number (`_line`). Version 2 rows already hold each column's
 * PostgreSQL text, so only COPY's own escapes are added; version 1 values (JSON numbers, booleans,
 * ISO times, text) become the text their column types read. NULL is `\N`.
 */
export function copyLine(row: RowVisit): string {
  let line = '';
  if (row.values) for (const v of row.values) line += `${field(v)}\t`;
  else for (const c of row.columns) line += `${field(row.row[c])}\t`;
  return `${line}${row.line}\n`;
}
