import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse, type InfoRecord, type Options } from 'csv-parse';
import type { GrantProblem } from '../../../shared/contract/grants';

/** A record larger than this stops the reading: no field of a grant needs more than 500 characters. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Rows per file: beyond this a file is split (a grant run stays minutes, not hours). */
export const MAX_ROWS = 200_000;

/** The columns a grant file may have; the first three are required. */
export const COLUMNS = ['user', 'points', 'description', 'type', 'order id', 'key'] as const;
export type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['user', 'points', 'description'];

/** One data row as text, fields trimmed; `key` empty when the file gives none for it. */
export interface CsvGrantRow {
  line: number;
  user: string;
  points: string;
  description: string;
  type: string;
  orderId: string;
  key: string;
}

export interface CsvRead {
  sha256: string;
  bytes: number;
  /** Data rows read whole (also those with a problem found here). */
  rows: number;
  /** Problems found reading the file: its header, shape and encoding (row content is the database's to judge). */
  problems: GrantProblem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const normalise = (name: string) => name.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');

/** The header's column positions, or the problem with it. */
function readHeader(fields: string[]): Map<Column, number> | string {
  const positions = new Map<Column, number>();
  for (const [i, raw] of fields.entries()) {
    const name = normalise(raw);
    const column = COLUMNS.find((c) => c === name);
    if (!column)
      return `unknown column "${raw.slice(0, 40)}": the columns are ${COLUMNS.join(', ')} (download the template)`;
    if (positions.has(column)) return `the column "${column}" appears twice`;
    positions.set(column, i);
  }
  const missing = REQUIRED.filter((c) => !positions.has(c));
  if (missing.length > 0)
    return `the header lacks ${missing.join(', ')}: the first line must name the columns (${COLUMNS.join(', ')})`;
  return positions;
}

/** Reads fields as bytes so that a byte sequence that is not UTF-8 is reported on its own line. */
function decode(fields: Buffer[]): string[] | null {
  try {
    return fields.map((f) => utf8.decode(f).trim());
  } catch {
    return null;
  }
}

function looksUtf16(first: Buffer): boolean {
  return (
    first.length >= 2 &&
    ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff))
  );
}

interface Reader {
  header: Map<Column, number> | null;
  stopped: boolean;
  result: CsvRead;
}

function onRecord(reader: Reader, fields: Buffer[], line: number, emit: (row: CsvGrantRow) => void): void {
  const { result } = reader;
  const problem = (text: string) => result.problems.push({ line, problem: text });
  const text = decode(fields);
  if (!reader.header) {
    if (!text)
      return void (
        (reader.stopped = true),
        problem('the header is not UTF-8 text: save the file as CSV UTF-8')
      );
    const header = readHeader(text);
    if (typeof header === 'string') return void ((reader.stopped = true), problem(header));
    reader.header = header;
    return;
  }
  result.rows += 1;
  if (result.rows > MAX_ROWS) {
    reader.stopped = true;
    problem(`the file has more than ${MAX_ROWS.toLocaleString('en')} rows: split it into several files`);
    return;
  }
  if (!text) {
    problem('this row is not valid UTF-8: save the file as CSV UTF-8');
    return;
  }
  if (text.length !== reader.header.size) {
    problem(`this row has ${text.length} field(s), the header has ${reader.header.size}`);
    return;
  }
  const at = (c: Column) => {
    const i = reader.header!.get(c);
    return i === undefined ? '' : text[i]!;
  };
  emit({
    line,
    user: at('user'),
    points: at('points'),
    description: at('description'),
    type: at('type').toLowerCase(),
    orderId: at('order id'),
    key: at('key'),
  });
}

/**
 * Streams a grant file: hashes every byte, checks its header, encoding and shape, and hands each
 * well-formed row to `emit` (which may apply backpressure by returning a promise). Memory stays
 * one record and one read buffer, whatever the file's size.
 */
export async function readGrantCsv(
  path: string,
  emit: (rows: CsvGrantRow[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<CsvRead> {
  const hash = createHash('sha256');
  const reader: Reader = {
    header: null,
    stopped: false,
    result: { sha256: '', bytes: 0, rows: 0, problems: [] },
  };
  let batch: CsvGrantRow[] = [];
  let failure: { line: number; problem: string } | null = null;
  // encoding null: fields arrive as bytes, decoded per row so bad UTF-8 is found on its line.
  const options: Options<Buffer[], Buffer[]> = {
    encoding: null,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    on_record: (record: Buffer[], context: InfoRecord) => {
      if (!reader.stopped) onRecord(reader, record, context.lines, (row) => batch.push(row));
      return null;
    },
  };
  const parser = parse(options as unknown as Options);
  parser.on('error', (error: Error & { code?: string; lines?: number }) => {
    const line = error.lines ?? 0;
    failure = {
      line,
      problem:
        error.code === 'CSV_MAX_RECORD_SIZE'
          ? `a field is larger than ${MAX_RECORD_BYTES / 1024} KB (a description is at most 500 characters); reading stopped here`
          : `the file is not valid CSV here (${error.message.replace(/^[^:]*: /, '')}); reading stopped here`,
    };
  });
  parser.resume();
  let first = true;
  for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) {
    if (first && looksUtf16(chunk)) {
      reader.result.problems.push({ line: 1, problem: 'the file is UTF-16 text: save it as CSV UTF-8' });
      reader.stopped = true;
    }
    first = false;
    hash.update(chunk);
    reader.result.bytes += chunk.length;
    if (reader.stopped || failure) continue;
    parser.write(chunk);
    if (batch.length > 0) {
      const rows = batch;
      batch = [];
      await emit(rows);
    }
  }
  if (!reader.stopped && !failure) {
    await new Promise<void>((resolve) => {
      parser.once('end', resolve);
      parser.once('error', () => resolve());
      parser.end();
    });
    if (batch.length > 0) await emit(batch);
  }
  if (failure) reader.result.problems.push(failure);
  reader.result.sha256 = hash.digest('hex');
  if (reader.result.bytes === 0) reader.result.problems.push({ line: 1, problem: 'the file is empty' });
  else if (!reader.header && reader.result.problems.length === 0)
    reader.result.problems.push({ line: 1, problem: 'the file has no header line' });
  else if (reader.header && reader.result.rows === 0 && reader.result.problems.length === 0)
    reader.result.problems.push({ line: 2, problem: 'the file has a header but no rows' });
  return reader.result;
}

/** The key of a row the file gives none for: its file's hash and line, so a re-run replays it. */
export const derivedKey = (sha256: string, line: number) => `grant-${sha256.slice(0, 32)}-${line}`;
