import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  BACKUP_TABLES,
  type BackupHeader,
  type BackupScope,
  type BackupTable,
  type TableCounts,
} from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { copySelectList, copyTextToJson, type CopyColumn } from './copyJson';
import { FORMAT, FORMAT_VERSION, SCHEMA_VERSION, zeroCounts } from './format';

/** Rows per round trip: big enough to keep the server busy, small enough to keep memory flat. */
const PAGE_ROWS = 5000;

export interface RowsProgress {
  rows: number;
  totalRows: number;
}

/** Which rows of each table belong to a scope, as a WHERE clause on alias `t` and its bindings. */
function scopeFilter(table: BackupTable, scope: BackupScope): [string, unknown[]] {
  const ids = scope === 'full' ? null : scope.userIds;
  const mine = ids ? ' AND t.user_id = ANY(?)' : '';
  const b = ids ? [ids] : [];
  switch (table) {
    case 'users':
      return ids ? ['t.id = ANY(?)', b] : ['true', []];
    case 'orders':
      // Only the orders the points rows point at: the shop's other orders are not points data.
      // One IN over a UNION is a hashed semi-join; two INs joined by OR were a subplan per order
      // (minutes per million orders once the ids outgrow work_mem).
      return [
        `t.id IN (SELECT order_id FROM points_transactions WHERE order_id IS NOT NULL${mine.replace('t.', '')}
          UNION SELECT order_id FROM user_points_redemptions WHERE order_id IS NOT NULL${mine.replace('t.', '')})`,
        [...b, ...b],
      ];
    case 'points_rewards':
      return ids
        ? ['t.id IN (SELECT points_reward_id FROM user_points_redemptions WHERE user_id = ANY(?))', b]
        : ['true', []];
    default:
      return ids ? ['t.user_id = ANY(?)', b] : ['true', []];
  }
}

/** The live columns of each table, with their types, so columns added by later migrations travel too. */
export async function tableColumns(db: Knex): Promise<Record<BackupTable, CopyColumn[]>> {
  const rows = (await db.raw(
    `SELECT table_name, json_agg(json_build_object('name', column_name, 'type', udt_name) ORDER BY ordinal_position) AS columns
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY(?)
     GROUP BY table_name`,
    [[...BACKUP_TABLES]],
  )) as { rows: Array<{ table_name: BackupTable; columns: CopyColumn[] }> };
  return Object.fromEntries(rows.rows.map((r) => [r.table_name, r.columns])) as Record<
    BackupTable,
    CopyColumn[]
  >;
}

/**
 * How many rows the export will write, for its progress bar. A full scope takes the planner's
 * estimate where the table has statistics: counting exactly cost a whole pass over every table
 * (13 s of a 10M-row export) for a figure that only fills a bar; the trailer's counts are exact.
 */
export async function countInScope(trx: Knex, scope: BackupScope): Promise<TableCounts> {
  const counts = zeroCounts();
  const estimates = new Map<string, number>();
  if (scope === 'full') {
    const r = (await trx.raw(
      `SELECT relname, reltuples::bigint AS n FROM pg_class
       WHERE oid = ANY(array(SELECT to_regclass(name) FROM unnest(?::text[]) name)) AND reltuples >= 0`,
      [[...BACKUP_TABLES]],
    )) as { rows: Array<{ relname: string; n: string }> };
    for (const row of r.rows) estimates.set(row.relname, Number(row.n));
  }
  for (const table of BACKUP_TABLES) {
    const estimate = estimates.get(table);
    if (estimate !== undefined) {
      counts[table] = estimate;
      continue;
    }
    const [where, bindings] = scopeFilter(table, scope);
    const r = (await trx.raw(`SELECT count(*)::int AS n FROM ?? t WHERE ${where}`, [table, ...bindings])) as {
      rows: Array<{ n: number }>;
    };
    counts[table] = r.rows[0]!.n;
  }
  return counts;
}

export async function checkUsersExist(trx: Knex, scope: BackupScope): Promise<void> {
  if (scope === 'full') return;
  const found = new Set((await trx('users').whereIn('id', scope.userIds).pluck('id')) as number[]);
  const missing = scope.userIds.filter((id) => !found.has(id));
  if (missing.length)
    throw new AppError('NOT_FOUND', `User ${missing.slice(0, 5).join(', ')} was not found.`);
}

const cancelled = () => new AppError('CANCELLED', 'The export was cancelled; no file was left behind.');

/** A run of whole lines of one table's section, and how many rows (lines) it holds. */
interface Lines {
  text: string | Buffer;
  rows: number;
}

/**
 * A user-scoped section, a page at a time with bound parameters: COPY takes no bindings, and a
 * read-only snapshot cannot create the temporary table a join would need. Scopes are small.
 */
async function* pagedTable(
  trx: Knex,
  table: BackupTable,
  scope: BackupScope,
  signal: AbortSignal,
): AsyncGenerator<Lines> {
  const [where, bindings] = scopeFilter(table, scope);
  for (let after = 0; ;) {
    if (signal.aborted) throw cancelled();
    const page = (await trx.raw(
      `SELECT count(*)::int AS n, max(id) AS last, string_agg(j, E'\\n' ORDER BY id) AS text
       FROM (SELECT t.id, row_to_json(t)::text AS j FROM ?? t WHERE t.id > ? AND ${where} ORDER BY t.id LIMIT ?) s`,
      [table, after, ...bindings, PAGE_ROWS],
    )) as { rows: Array<{ n: number; last: number | null; text: string | null }> };
    const { n, last, text } = page.rows[0]!;
    if (n === 0 || last === null || text === null) return;
    after = last;
    yield { text: `${text}\n`, rows: n };
    if (n < PAGE_ROWS) return;
  }
}

/** Bytes converted and handed on at once: several socket reads, yet small enough that the strings
 * stay in V8's young generation (1 MB batches left ~100 MB more garbage at the peak). */
const COPY_CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;

function countLines(buffer: Buffer): number {
  let n = 0;
  for (let i = buffer.indexOf(NEWLINE); i !== -1; i = buffer.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * A whole table's section in one COPY on the snapshot's own connection, several times faster
 * than paging: the server sends plain COPY text and copyTextToJson turns it into the rows'
 * row_to_json text, byte for byte, while the server goes on producing the next rows.
 */
async function* copyTable(
  trx: Knex,
  table: BackupTable,
  columns: readonly CopyColumn[],
  signal: AbortSignal,
): AsyncGenerator<Lines> {
  if (signal.aborted) throw cancelled();
  // The full scope's filters are constant SQL (the orders the points rows point at): no bindings.
  const [where] = scopeFilter(table, 'full');
  const identifier = trx.client.wrapIdentifier(table) as string;
  const toJson = copyTextToJson(columns);
  const convert = (text: Buffer) => Buffer.from(toJson(text.toString('latin1')), 'latin1');
  // A transaction's client hands out its one bound connection and never releases it.
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  const stream = connection.query(
    copyTo(
      `COPY (SELECT ${copySelectList(columns)} FROM ${identifier} t WHERE ${where} ORDER BY t.id) TO STDOUT`,
    ),
  );
  let finished = false;
  try {
    let pending: Buffer[] = [];
    let size = 0;
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal.aborted) throw cancelled();
      pending.push(chunk);
      size += chunk.length;
      rows += countLines(chunk);
      if (size < COPY_CHUNK_BYTES) continue;
      // Hand on whole lines only, so every chunk's row count is exact and no line is split.
      const all = Buffer.concat(pending, size);
      const end = all.lastIndexOf(NEWLINE) + 1;
      const rest = all.subarray(end);
      const restRows = countLines(rest);
      yield { text: convert(all.subarray(0, end)), rows: rows - restRows };
      pending = rest.length ? [rest] : [];
      size = rest.length;
      rows = restRows;
    }
    finished = true;
    if (size) yield { text: convert(Buffer.concat(pending, size)), rows };
  } finally {
    // Stopped halfway (cancel, full disk, a failed write): the connection is still in COPY and
    // cannot run the ROLLBACK, so it is closed; the server rolls the snapshot back, the pool drops it.
    if (!finished) {
      stream.destroy();
      connection.connection.stream.destroy();
    }
  }
}

export interface ContentSource {
  createdBy: string;
  server: string;
  database: string;
  serverVersion: string;
}

/**
 * The file's lines, produced from `trx` (which must see one consistent snapshot, in UTC): the
 * server renders each row as JSON (row_to_json keeps microseconds and exact numerics that a
 * round trip through JavaScript dates would lose) and hands them over a page at a time.
 */
export async function* backupContent(
  trx: Knex,
  scope: BackupScope,
  source: ContentSource,
  onPage: (p: { table: BackupTable; rows: number }) => void,
  signal: AbortSignal,
  /** Filled in when the last line has been produced. */
  out: { counts: TableCounts; sha256: string },
): AsyncGenerator<string | Buffer> {
  const hash = createHash('sha256');
  const columns = await tableColumns(trx);
  const header: BackupHeader = {
    format: FORMAT,
    version: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    createdBy: source.createdBy,
    source: { server: source.server, database: source.database, serverVersion: source.serverVersion },
    scope: scope === 'full' ? 'full' : { userIds: [...new Set(scope.userIds)].sort((a, b) => a - b) },
    schemaVersion: SCHEMA_VERSION,
    tables: BACKUP_TABLES.map((name) => ({ name, columns: (columns[name] ?? []).map((c) => c.name) })),
  };
  const emit = (text: string | Buffer) => {
    hash.update(text);
    return text;
  };
  yield emit(`${JSON.stringify(header)}\n`);
  const counts = zeroCounts();
  for (const table of BACKUP_TABLES) {
    yield emit(`${JSON.stringify({ section: table })}\n`);
    const lines =
      scope === 'full'
        ? copyTable(trx, table, columns[table], signal)
        : pagedTable(trx, table, scope, signal);
    for await (const chunk of lines) {
      counts[table] += chunk.rows;
      onPage({ table, rows: chunk.rows });
      yield emit(chunk.text);
    }
  }
  const sha256 = hash.digest('hex');
  yield `${JSON.stringify({ trailer: { counts, sha256 } })}\n`;
  out.counts = counts;
  out.sha256 = sha256;
}

/** Every statement of a backup read or restore renders times in UTC and bytes as hex. */
export async function useBackupSettings(trx: Knex): Promise<void> {
  await trx.raw(`SET LOCAL TimeZone = 'UTC'`);
  await trx.raw(`SET LOCAL bytea_output = 'hex'`);
}
