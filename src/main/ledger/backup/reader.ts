import type { z } from 'zod';
import {
  BACKUP_TABLES,
  type BackupHeader,
  type BackupSignature,
  type BackupTable,
  type TableCounts,
} from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import {
  FORMAT,
  FORMAT_VERSION,
  READABLE_VERSIONS,
  SCHEMA_VERSION,
  headerSchema,
  isNewerSchema,
  sectionSchema,
  trailerSchema,
  zeroCounts,
} from './format';
import { BackupLines, type Line } from './lines';
import { ROW_SCHEMAS, knownColumns, textRowDecoder } from './rows';

export interface RowVisit {
  table: BackupTable;
  line: number;
  id: number;
  /** Version 2: the row's columns' PostgreSQL text as the file holds it (null for NULL). */
  values: ReadonlyArray<string | null> | null;
  /** The row as its table's schema passed it (version 1: exactly the file's values). */
  row: Record<string, unknown>;
  /** The header's columns of this table, in the order of `values`. */
  columns: readonly string[];
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called for every valid row, in file order; awaited (backpressure for database batches). */
  onRow?: (row: RowVisit) => void | Promise<void>;
  onHeader?: (header: BackupHeader) => void | Promise<void>;
  /** Strict: the first problem throws (restore). Lenient: it is recorded and reading goes on (inspect). */
  strict: boolean;
}

export interface ReadSummary {
  header: BackupHeader;
  counts: TableCounts;
  trailerCounts: TableCounts | null;
  /** SHA-256 of the content before the trailer, and what the trailer says. */
  sha256: string;
  expectedSha256: string | null;
  /** The trailer's keyed signature, if the file carries one. */
  signature: BackupSignature | null;
  bytes: number;
  compressed: boolean;
  problem: string | null;
}

const invalid = (message: string) => new AppError('VALIDATION', message);

function parseJson(line: Line, what: string): unknown {
  try {
    return JSON.parse(line.text) as unknown;
  } catch {
    throw invalid(`Line ${line.n}${what}: not valid JSON.`);
  }
}

const describe = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
};

/** Line 1: is this a backup at all, of a version and schema this console reads? */
function readHeader(line: Line | undefined): BackupHeader {
  if (!line || (line.n === 1 && line.text.trim() === ''))
    throw invalid('The file is empty: it is not a Pointkeeper backup.');
  let raw: unknown;
  try {
    raw = JSON.parse(line.text);
  } catch {
    throw invalid('This is not a Pointkeeper backup: line 1 is not its JSON header.');
  }
  const head = raw as { format?: unknown; version?: unknown; schemaVersion?: unknown };
  if (typeof raw !== 'object' || raw === null || head.format !== FORMAT)
    throw invalid(`This is not a Pointkeeper backup: line 1 does not say "format": "${FORMAT}".`);
  if (typeof head.version !== 'number' || !READABLE_VERSIONS.includes(head.version)) {
    const newer = typeof head.version === 'number' && head.version > FORMAT_VERSION;
    throw invalid(
      newer
        ? `Line 1: backup format version ${head.version} is newer than this console reads (${FORMAT_VERSION}); update Pointkeeper to restore it.`
        : `Line 1: unknown backup format version ${JSON.stringify(head.version)} (this console reads ${READABLE_VERSIONS.join(' and ')}).`,
    );
  }
  if (typeof head.schemaVersion === 'string' && isNewerSchema(head.schemaVersion))
    throw invalid(
      `Line 1: the backup comes from a newer database schema (${head.schemaVersion}) than this console knows (${SCHEMA_VERSION}); update Pointkeeper to restore it.`,
    );
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw invalid(`Line 1 (header): ${describe(parsed.error)}.`);
  const header = parsed.data;
  // Version 1 lists the tables in reference order; version 2 in the order it wrote them.
  let last = -1;
  const seen = new Set<BackupTable>();
  for (const t of header.tables) {
    const at = BACKUP_TABLES.indexOf(t.name);
    if (seen.has(t.name) || (header.version === 1 && at <= last))
      throw invalid(`Line 1 (header): table ${t.name} is listed twice or out of order.`);
    seen.add(t.name);
    last = at;
    const known = new Set(knownColumns(t.name));
    const unknown = t.columns.find((c) => !known.has(c));
    if (unknown) throw invalid(`Line 1 (header): column ${t.name}.${unknown} is unknown to this console.`);
  }
  return header;
}

/** What is wrong with a version-2 row's shape, or null: an array of text or null, one per column. */
function rowShapeProblem(raw: unknown, columns: readonly string[]): string | null {
  if (!Array.isArray(raw)) return "expected a JSON array of the row's values.";
  if (raw.length !== columns.length)
    return `${raw.length} values, but the header lists ${columns.length} columns (${columns.join(', ')}).`;
  const bad = raw.findIndex((v) => v !== null && typeof v !== 'string');
  return bad === -1 ? null : `${columns[bad]} must be text or null, not ${JSON.stringify(raw[bad])}.`;
}

/**
 * Reads a backup file from end to end, checking its structure line by line: the header, each
 * table's section in the header's order, every row against its table's schema (version 1: with
 * ids strictly ascending), then the trailer's counts and checksum. Memory stays flat: a line at
 * a time.
 */
export async function readBackup(path: string, options: ReadOptions): Promise<ReadSummary> {
  const source = new BackupLines(path, options.signal);
  const lines = source.lines();
  const header = readHeader((await lines.next()).value as Line | undefined);
  await options.onHeader?.(header);
  const counts = zeroCounts();
  let problem: string | null = null;
  const fail = (message: string) => {
    if (options.strict) throw invalid(message);
    problem ??= message;
  };
  let section = -1;
  let table: BackupTable | null = null;
  let columns: string[] = [];
  let decode: ReturnType<typeof textRowDecoder> | null = null;
  let lastId = 0;
  let lastIdLine = 0;
  let trailer: z.output<typeof trailerSchema>['trailer'] | null = null;
  let sha256 = '';
  for await (const line of lines) {
    if (trailer) {
      fail(`Line ${line.n}: there is content after the trailer.`);
      break;
    }
    const raw = parseJson(line, table ? ` (${table})` : '');
    const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
    if (isObject && 'trailer' in raw) {
      sha256 = source.digestBefore();
      const parsed = trailerSchema.safeParse(raw);
      if (!parsed.success) throw invalid(`Line ${line.n} (trailer): ${describe(parsed.error)}.`);
      trailer = parsed.data.trailer;
      continue;
    }
    if (isObject && 'section' in raw) {
      const parsed = sectionSchema.safeParse(raw);
      if (!parsed.success) throw invalid(`Line ${line.n} (section): ${describe(parsed.error)}.`);
      const expected = header.tables[section + 1];
      if (parsed.data.section !== expected?.name)
        throw invalid(
          `Line ${line.n}: section ${parsed.data.section} is out of order (expected ${expected?.name ?? 'the trailer'}).`,
        );
      section++;
      table = expected.name;
      columns = expected.columns;
      decode = header.version === 1 ? null : textRowDecoder(table, columns);
      lastId = 0;
      continue;
    }
    if (!table) throw invalid(`Line ${line.n}: a row before any table section.`);
    let values: Array<string | null> | null = null;
    let candidate = raw;
    if (decode) {
      const shape = rowShapeProblem(raw, columns);
      if (shape) {
        fail(`Line ${line.n} (${table}): ${shape}`);
        counts[table]++;
        continue;
      }
      values = raw as Array<string | null>;
      candidate = decode(values);
    } else if (!isObject) {
      fail(`Line ${line.n}: expected a JSON object.`);
      continue;
    }
    const parsed = ROW_SCHEMAS[table].safeParse(candidate);
    if (!parsed.success) {
      const rowId = values ? Number(values[columns.indexOf('id')]) : (raw as { id?: unknown }).id;
      fail(
        `Line ${line.n} (${table}${Number.isInteger(rowId) ? ` id ${String(rowId)}` : ''}): ${describe(parsed.error)}.`,
      );
      counts[table]++;
      continue;
    }
    const row = parsed.data as Record<string, unknown> & { id: number };
    // Version 1 rows come in ascending id order, so a repeated id shows here with constant memory;
    // version 2 rows come in the table's physical order, and the restore's staging finds repeats.
    if (!decode && row.id <= lastId) {
      fail(
        row.id === lastId
          ? `Line ${line.n} (${table}): duplicate id ${row.id} (also on line ${lastIdLine}).`
          : `Line ${line.n} (${table}): id ${row.id} comes after id ${lastId}; rows must be in ascending id order.`,
      );
    } else {
      lastId = row.id;
      lastIdLine = line.n;
    }
    counts[table]++;
    if (problem === null && options.onRow)
      await options.onRow({ table, line: line.n, id: row.id, values, row, columns });
  }
  if (!trailer) {
    fail('The file ends without its trailer: it is truncated (an interrupted export or an incomplete copy).');
  } else {
    if (section + 1 < header.tables.length)
      fail(`The trailer comes before the section of ${header.tables[section + 1]!.name}.`);
    if (trailer.sha256 !== sha256)
      fail(
        `Checksum mismatch: the content's SHA-256 is ${sha256}, the trailer says ${trailer.sha256}; the file was altered or damaged.`,
      );
    for (const t of BACKUP_TABLES) {
      const stated = trailer.counts[t] ?? 0;
      if (stated !== counts[t])
        fail(`The trailer counts ${stated} ${t} rows but the file holds ${counts[t]}.`);
    }
  }
  return {
    header,
    counts,
    trailerCounts: trailer ? { ...zeroCounts(), ...trailer.counts } : null,
    sha256: sha256 || source.digestBefore(),
    expectedSha256: trailer?.sha256 ?? null,
    signature: trailer?.signature ?? null,
    bytes: source.bytes,
    compressed: source.compressed,
    problem,
  };
}
