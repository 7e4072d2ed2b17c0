import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { PoolClient, Submittable } from 'pg';
import {
  BACKUP_TABLES,
  type BackupHeader,
  type BackupScope,
  type BackupSignature,
  type BackupTable,
  type TableCounts,
} from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { copyLinesToJson, type LineOptions } from './copyJson';
import { CopyOutQuery } from './copyOut';
import { FORMAT, FORMAT_VERSION, SCHEMA_VERSION, SECTION_ORDER, zeroCounts } from './format';
import { IdSet } from './idSet';

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

export interface CopyColumn {
  name: string;
  /** The column's type name (pg_type.typname, information_schema's udt_name). */
  type: string;
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

/** The columns' quoted names, each after `prefix` (a table alias and its dot, or nothing). */
const columnList = (trx: Knex, columns: readonly CopyColumn[], prefix = '') =>
  columns.map((c) => `${prefix}${trx.client.wrapIdentifier(c.name) as string}`).join(', ');

/** Values as the server's output functions write them (what COPY writes), not parsed into JavaScript. */
const AS_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * A user-scoped section, a page at a time with bound parameters: COPY takes no bindings, and a
 * read-only snapshot cannot create the temporary table a join would need. Scopes are small.
 * Each row is written as JSON.stringify of its columns' text: the same bytes copyLinesToJson
 * makes of COPY's line.
 */
async function* pagedTable(
  trx: Knex,
  table: BackupTable,
  columns: readonly CopyColumn[],
  scope: BackupScope,
  signal: AbortSignal,
): AsyncGenerator<Lines> {
  const [where, bindings] = scopeFilter(table, scope);
  const list = columnList(trx, columns, 't.');
  // A transaction's client hands out its one bound connection and never releases it.
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  for (let after = 0; ;) {
    if (signal.aborted) throw cancelled();
    const query = trx
      .raw(`SELECT ${list} FROM ?? t WHERE t.id > ? AND ${where} ORDER BY t.id LIMIT ?`, [
        table,
        after,
        ...bindings,
        PAGE_ROWS,
      ])
      .toSQL()
      .toNative();
    const page = await connection.query<Array<string | null>>({
      text: query.sql,
      values: query.bindings as unknown[],
      rowMode: 'array',
      types: AS_TEXT,
    });
    if (page.rows.length === 0) return;
    after = Number(page.rows.at(-1)![0]);
    yield { text: page.rows.map((row) => `${JSON.stringify(row)}\n`).join(''), rows: page.rows.length };
    if (page.rows.length < PAGE_ROWS) return;
  }
}

/**
 * A whole table's section in one COPY on the snapshot's own connection, several times faster
 * than paging: the server sends plain COPY text and copyLinesToJson turns it into the rows'
 * lines while the server goes on producing the next rows. In the table's physical order, as
 * pg_dump reads it: an ORDER BY id made the server walk the primary key, half again as long.
 */
async function* copyTable(
  trx: Knex,
  table: BackupTable,
  columns: readonly CopyColumn[],
  referenced: IdSet,
  signal: AbortSignal,
): AsyncGenerator<Lines> {
  if (signal.aborted) throw cancelled();
  const orderColumn = columns.findIndex((c) => c.name === 'order_id');
  const options: LineOptions =
    table === 'orders'
      ? { keep: referenced }
      : orderColumn === -1
        ? {}
        : { note: { column: orderColumn, ids: referenced } };
  const identifier = trx.client.wrapIdentifier(table) as string;
  const convert = copyLinesToJson(columns.length, options);
  const list = columnList(trx, columns);
  // A transaction's client hands out its one bound connection and never releases it.
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  // Every row of the table, as pg_dump reads it: COPY of a table is never planned, where COPY
  // (SELECT …) went through the executor (and JIT on a stock server). Every order goes through
  // too, and only those the points rows (already written) use are kept: asking the server for
  // them meant a second pass over the whole log and a hash of its order ids (30 s for 10M
  // transactions, against 8 s for the orders themselves).
  const copy = new CopyOutQuery(`COPY ${identifier} (${list}) TO STDOUT`);
  void connection.query(copy as unknown as Submittable);
  let finished = false;
  try {
    // A socket read at a time (whole rows, 8 to 64 KB): converted while the server goes on.
    for await (const messages of copy) {
      if (signal.aborted) throw cancelled();
      yield convert(messages);
    }
    finished = true;
  } finally {
    // Stopped halfway (cancel, full disk, a failed write): the connection is still in COPY and
    // cannot run the ROLLBACK, so it is closed; the server rolls the snapshot back, the pool drops it.
    if (!finished) {
      copy.destroy();
      connection.connection.stream.destroy();
    }
  }
}

export interface ContentSource {
  createdBy: string;
  server: string;
  database: string;
  serverVersion: string;
  /** Signs the file's SHA-256 for its trailer (signature.ts); absent: the file is unsigned. */
  sign?: (sha256: string) => Promise<BackupSignature>;
}

/**
 * The file's lines, produced from `trx` (which must see one consistent snapshot, with
 * useBackupSettings): each value travels as the text PostgreSQL's own output function gives it,
 * so microseconds and exact numerics survive that a round trip through JavaScript would lose.
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
    tables: SECTION_ORDER.map((name) => ({
      name,
      columns: columns[name].map((c) => c.name),
      types: columns[name].map((c) => c.type),
    })),
  };
  const emit = (text: string | Buffer) => {
    hash.update(text);
    return text;
  };
  yield emit(`${JSON.stringify(header)}\n`);
  const counts = zeroCounts();
  const referencedOrders = new IdSet();
  for (const table of SECTION_ORDER) {
    yield emit(`${JSON.stringify({ section: table })}\n`);
    const lines =
      scope === 'full'
        ? copyTable(trx, table, columns[table], referencedOrders, signal)
        : pagedTable(trx, table, columns[table], scope, signal);
    for await (const chunk of lines) {
      counts[table] += chunk.rows;
      onPage({ table, rows: chunk.rows });
      yield emit(chunk.text);
    }
  }
  const sha256 = hash.digest('hex');
  const signature = source.sign ? await source.sign(sha256) : undefined;
  yield `${JSON.stringify({ trailer: { counts, sha256, ...(signature ? { signature } : {}) } })}\n`;
  out.counts = counts;
  out.sha256 = sha256;
}

/**
 * Every statement of a backup read or restore renders times as ISO in UTC and bytes as hex:
 * the text of each value in a file never depends on the session that wrote it.
 */
export async function useBackupSettings(trx: Knex): Promise<void> {
  await trx.raw(`SET LOCAL TimeZone = 'UTC'`);
  await trx.raw(`SET LOCAL DateStyle = 'ISO, YMD'`);
  await trx.raw(`SET LOCAL bytea_output = 'hex'`);
}
