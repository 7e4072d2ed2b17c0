import { once } from 'node:events';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { withWorker } from '../../workers/task';
import {
  BACKUP_TABLES,
  type BackupHeader,
  type BackupSignature,
  type BackupTable,
  type TableCounts,
} from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { tableColumns, useBackupSettings } from './content';
import type { WorkOptions } from './export';
import type { ReadSummary } from './reader';
import { backupReadOutput, type BackupReadInit } from './readJob';
import { REFERENCES } from './rows';

export interface Staged {
  header: BackupHeader;
  sha256: string;
  signature: BackupSignature | null;
  counts: TableCounts;
  /** The tables the file holds, and the columns it gives for each. */
  columns: Partial<Record<BackupTable, string[]>>;
}

/** The temporary copy of a table's rows from the file, with each row's line number in `_line`. */
export const stagingTable = (table: BackupTable) => `bk_${table}`;

const invalid = (message: string, details?: unknown) => new AppError('VALIDATION', message, details);

async function createStaging(
  trx: Knex,
  header: BackupHeader,
): Promise<Partial<Record<BackupTable, string[]>>> {
  const live = await tableColumns(trx);
  const columns: Partial<Record<BackupTable, string[]>> = {};
  for (const { name, columns: fileColumns } of header.tables) {
    const missing = fileColumns.find((c) => !live[name]?.some((column) => column.name === c));
    if (missing)
      throw invalid(`Line 1 (header): this database has no column ${name}.${missing}; migrate it first.`);
    // No constraints on the copy: the file is judged by the checks below, with line numbers.
    await trx.raw(`CREATE TEMP TABLE ?? ON COMMIT DROP AS SELECT * FROM ?? WITH NO DATA`, [
      stagingTable(name),
      name,
    ]);
    await trx.raw(`ALTER TABLE ?? ADD COLUMN _line integer NOT NULL`, [stagingTable(name)]);
    columns[name] = fileColumns;
  }
  // Reference order, whatever the file's: the restore writes tables in this object's key order.
  return Object.fromEntries(BACKUP_TABLES.filter((t) => columns[t]).map((t) => [t, columns[t]]));
}

/** References must resolve in the file or the database: the first few that do not, by line. */
async function checkReferences(trx: Knex, staged: Partial<Record<BackupTable, string[]>>): Promise<void> {
  for (const ref of REFERENCES) {
    if (!staged[ref.table]?.includes(ref.column)) continue;
    const inFile = staged[ref.target]
      ? `AND NOT EXISTS (SELECT 1 FROM ${stagingTable(ref.target)} x WHERE x.id = s.${ref.column})`
      : '';
    const r = (await trx.raw(
      `SELECT s._line AS line, s.id, s.${ref.column} AS ref FROM ${stagingTable(ref.table)} s
       WHERE s.${ref.column} IS NOT NULL ${inFile}
         AND NOT EXISTS (SELECT 1 FROM ${ref.target} d WHERE d.id = s.${ref.column})
       ORDER BY s._line LIMIT 5`,
    )) as { rows: Array<{ line: number; id: number; ref: number }> };
    const first = r.rows[0];
    if (first)
      throw invalid(
        `Line ${first.line} (${ref.table} id ${first.id}): ${ref.column} ${first.ref} is neither in the file nor in the database.`,
        r.rows,
      );
  }
}

/** Values the database keeps unique besides ids: a file repeating one would fail halfway. */
const UNIQUE_IN_FILE: Array<{ table: BackupTable; value: string; what: string }> = [
  { table: 'users', value: 'lower(email)', what: 'email' },
  { table: 'user_points', value: 'user_id', what: 'a user_points row for user' },
  { table: 'points_transactions', value: 'idempotency_key', what: 'idempotency key' },
  { table: 'points_transactions', value: 'reverses_id', what: 'a reversal of transaction' },
  { table: 'user_points_redemptions', value: 'transaction_id', what: 'a redemption for transaction' },
];

async function checkUniqueInFile(trx: Knex, staged: Partial<Record<BackupTable, string[]>>): Promise<void> {
  // Ids first: version-2 rows come in any order, so only the whole file shows a repeated id.
  const ids = (Object.keys(staged) as BackupTable[]).map((table) => ({ table, value: 'id', what: 'id' }));
  for (const u of [...ids, ...UNIQUE_IN_FILE]) {
    if (!staged[u.table]) continue;
    const r = (await trx.raw(
      `SELECT max(_line) AS line, min(_line) AS first, ${u.value} AS value FROM ${stagingTable(u.table)}
       WHERE ${u.value} IS NOT NULL GROUP BY ${u.value} HAVING count(*) > 1 ORDER BY 1 LIMIT 1`,
    )) as { rows: Array<{ line: number; first: number; value: string | number }> };
    const dup = r.rows[0];
    if (dup)
      throw invalid(`Line ${dup.line} (${u.table}): ${u.what} ${dup.value} is also on line ${dup.first}.`);
  }
}

/** Emails are unique (case-insensitively) across users: in the file, and against the database. */
async function checkEmails(trx: Knex, staged: Partial<Record<BackupTable, string[]>>): Promise<void> {
  if (!staged.users) return;
  const taken = (await trx.raw(
    `SELECT s._line AS line, s.id, s.email, u.id AS other FROM bk_users s
     JOIN users u ON lower(u.email) = lower(s.email) AND u.id <> s.id ORDER BY s._line LIMIT 5`,
  )) as { rows: Array<{ line: number; id: number; email: string; other: number }> };
  const t = taken.rows[0];
  if (t)
    throw invalid(
      `Line ${t.line} (users id ${t.id}): email ${t.email} belongs to user ${t.other} in the database.`,
      taken.rows,
    );
}

/** The file's rows, checked and converted in a worker thread, into the staging tables by COPY. */
async function copyIntoStaging(
  trx: Knex,
  path: string,
  options: WorkOptions,
): Promise<{ summary: ReadSummary; columns: Partial<Record<BackupTable, string[]>> }> {
  let columns: Partial<Record<BackupTable, string[]>> = {};
  // A transaction's client hands out its one bound connection and never releases it.
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  let copy: CopyStreamQuery | null = null;
  let copying: BackupTable | null = null;
  let finished: Promise<unknown> = Promise.resolve();
  const endCopy = async () => {
    copy?.end();
    copy = null;
    await finished;
  };
  let rows = 0;
  const init: BackupReadInit = { path, strict: true, stage: true };
  return withWorker('backup-read', init, { signal: options.signal }, async (task) => {
    try {
      for (;;) {
        const parsed = backupReadOutput.safeParse(await task.nextOutput());
        if (!parsed.success) throw new AppError('INTERNAL', 'The backup reader sent something unexpected.');
        const out = parsed.data;
        if (out.kind === 'end') {
          await endCopy();
          await task.finish();
          return { summary: out.summary, columns };
        }
        if (out.kind === 'header') columns = await createStaging(trx, out.header);
        else {
          if (copying !== out.table) {
            await endCopy();
            const list = [...columns[out.table]!, '_line'].map((c) => `"${c}"`).join(', ');
            copy = connection.query(copyFrom(`COPY ${stagingTable(out.table)} (${list}) FROM STDIN`));
            finished = once(copy, 'finish');
            copying = out.table;
          }
          const stream: CopyStreamQuery = copy!;
          if (!stream.write(out.data)) await once(stream, 'drain');
          rows += out.rows;
          options.onProgress({ phase: `read ${out.table}`, rows, totalRows: null });
          // The batch goes back to the worker with its credit once nothing holds it any more (the
          // COPY stream has passed it on and the socket has handed every byte to the kernel):
          // moved out of this thread, its memory no longer waits for this thread's garbage
          // collector, where tens of MB of spent batches made a restore's peak.
          if (stream.writableLength === 0 && connection.connection.stream.writableLength === 0) {
            await task.send(null, [out.data.buffer as ArrayBuffer]);
            continue;
          }
        }
        await task.send(null);
      }
    } catch (error) {
      // CopyFail: the server ends the COPY; the caller's transaction goes with the error.
      const stream = copy as CopyStreamQuery | null;
      stream?.destroy(error instanceof Error ? error : new Error(String(error)));
      await finished.catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Reads the whole file into temporary tables of `trx` (dropped at its end), checking as it goes
 * (structure, schemas, order, checksum: see reader.ts, run in a worker thread) and then as a whole
 * (references, unique emails). Throws VALIDATION naming the line on the first problem; the real
 * tables are not touched.
 */
export async function stageBackup(trx: Knex, path: string, options: WorkOptions): Promise<Staged> {
  await useBackupSettings(trx);
  // For this transaction only: the checks group and anti-join whole staging tables, which a
  // server's default 4 MB of work_mem sends to disk, and a default server's JIT would compile
  // each of those one-off queries anew (the write function sets the same for itself).
  await trx.raw(`SET LOCAL work_mem = '64MB'`);
  await trx.raw(`SET LOCAL jit = off`);
  const { summary, columns } = await copyIntoStaging(trx, path, options);
  const rows = Object.values(summary.counts).reduce((s, n) => s + n, 0);
  options.onProgress({ phase: 'check ids and references', rows, totalRows: null });
  for (const table of Object.keys(columns)) {
    await trx.raw(`CREATE INDEX ON ?? (id)`, [stagingTable(table as BackupTable)]);
    await trx.raw(`ANALYZE ??`, [stagingTable(table as BackupTable)]);
  }
  await checkUniqueInFile(trx, columns);
  await checkReferences(trx, columns);
  await checkEmails(trx, columns);
  return {
    header: summary.header,
    sha256: summary.sha256,
    signature: summary.signature,
    counts: summary.counts,
    columns,
  };
}
