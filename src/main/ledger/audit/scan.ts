import type { Knex } from 'knex';
import type { ParsedInput, ScanSummary } from '../../../shared/contract';
import { DISCREPANCY_KINDS, type DiscrepancyKind, type ScanStatus } from '../../../shared/contract/audit';
import type { Progress } from '../../../shared/progress';
import { AppError, notFound } from '../../errors';
import { callWrite } from '../writeApi';
import { iso, isoOrNull } from '../dates';
import { logSumsQuery } from '../logTotals';
import {
  FINDING_COLUMNS,
  findingsSql,
  REDEMPTION_SUSPECT,
  redemptionsSql,
  type Finding,
  suspectFiguresSql,
  type ScanTables,
} from './findings';

/** Users per statement: small enough for steady progress and a quick cancel, large enough to stay set-based. */
export const SCAN_CHUNK_USERS = 100_000;
const INSERT_BATCH = 5_000;

interface ScanRow {
  id: number;
  started_at: Date;
  finished_at: Date | null;
  started_by: string;
  status: ScanStatus;
  verify_chain: boolean;
  users_scanned: number;
  users_total: number | null;
  transactions_scanned: number;
  error: string | null;
}

interface ChunkResult {
  users: number;
  transactions: number;
  findings: Finding[];
}

/**
 * The scan's reads of the log, done once per scan into temporary tables of its own session
 * (indexed by user) that every chunk then reads: the log's per-user totals, the redemptions a
 * check can fail on, and the copies and totals of the users a check fails for. Read per chunk of
 * user ids instead, each chunk cost a full pass over the log (the rows of a range of users lie all
 * over the table) and ran on one core. The passes over the log are each one CREATE TABLE AS, which
 * PostgreSQL runs with its parallel workers, where INSERT … SELECT would not.
 */
const SCAN_TABLES: ScanTables = {
  totals: 'pk_scan_log_totals',
  redemptions: 'pk_scan_redemptions',
  figures: 'pk_scan_figures',
};

async function readLog(trx: Knex.Transaction): Promise<void> {
  const totals = logSumsQuery(trx).toSQL();
  // CREATE TABLE AS takes no bind parameters; the unfiltered totals query has none.
  if (totals.bindings.length) throw new Error('The log totals query must have no bindings here.');
  // A million users' totals fit a hash table of tens of MB: with a stock server's 4 MB the
  // aggregate sorts every row of the log instead (PG 15, 8.5M rows: 8.4 s → 4.6 s). Only these
  // two passes get it; the redemptions' pass plans a parallel hash join with the default and
  // a serial one with more.
  await trx.raw(`SET LOCAL work_mem = '64MB'`);
  await trx.raw(`CREATE TEMPORARY TABLE ?? ON COMMIT DROP AS ${totals.sql}`, [SCAN_TABLES.totals]);
  await trx.raw('ANALYZE ??', [SCAN_TABLES.totals]);
  // Every user's copies beside their totals, in one pass of hash joins, keeping only the users a
  // check fails for: the chunks read a few rows each instead of joining 100,000 users apiece.
  await trx.raw(`CREATE TEMPORARY TABLE ?? ON COMMIT DROP AS ${suspectFiguresSql(SCAN_TABLES.totals)}`, [
    SCAN_TABLES.figures,
  ]);
  await trx.raw('SET LOCAL work_mem TO DEFAULT');
  // Only the suspects are kept: a healthy ledger's redemptions leave a table of a few rows.
  await trx.raw(
    `CREATE TEMPORARY TABLE ?? ON COMMIT DROP AS
     SELECT * FROM (${redemptionsSql(false)}) r WHERE ${REDEMPTION_SUSPECT}`,
    [SCAN_TABLES.redemptions],
  );
  for (const table of [SCAN_TABLES.totals, SCAN_TABLES.redemptions, SCAN_TABLES.figures]) {
    await trx.raw('CREATE INDEX ON ?? (user_id)', [table]);
  }
  await trx.raw('ANALYZE ??, ??', [SCAN_TABLES.redemptions, SCAN_TABLES.figures]);
}

/** One chunk in one statement: its findings as JSON plus how many users and rows it covered. */
async function scanChunk(
  trx: Knex.Transaction,
  lo: number,
  hi: number,
  verifyChain: boolean,
  /** The scan's tables; null: read the log in the statement itself (on a standby). */
  tables: ScanTables | null,
): Promise<ChunkResult> {
  const sql = findingsSql(trx, lo, hi, verifyChain, tables ?? undefined);
  const result = await trx.raw(
    `${sql.ctes}, found AS (${sql.select})
     SELECT (SELECT count(*) FROM users WHERE id BETWEEN ? AND ?) AS users,
            (SELECT coalesce(sum(tx_count), 0) FROM lt) AS transactions,
            (SELECT coalesce(json_agg(found), '[]'::json) FROM found) AS findings`,
    [...sql.bindings, lo, hi],
  );
  const row = (result as { rows: Array<{ users: number; transactions: number; findings: Finding[] }> })
    .rows[0]!;
  return { users: Number(row.users), transactions: Number(row.transactions), findings: row.findings };
}

async function saveFindings(trx: Knex, scanId: number, findings: Finding[]): Promise<void> {
  for (let i = 0; i < findings.length; i += INSERT_BATCH) {
    const batch = findings.slice(i, i + INSERT_BATCH).map((f) => {
      const row: Record<string, unknown> = { scan_id: scanId };
      for (const c of FINDING_COLUMNS) row[c] = f[c];
      const diff = f.stored === null || f.expected === null ? null : Number(f.stored) - Number(f.expected);
      row.difference = diff;
      // A missing row puts the whole log balance at stake; a chain break has no number.
      row.stake = Math.abs(diff ?? (f.kind === 'missing_user_points' ? Number(f.expected) : 0));
      return row;
    });
    await trx.raw('SELECT pointkeeper_scan_save_results(?, ?::jsonb)', [scanId, JSON.stringify(batch)]);
  }
}

/**
 * The scan's transaction names its connection (SET LOCAL: the name goes when the transaction
 * ends). A cancel signals the backend only while it still bears that name, so a late cancel,
 * arriving after the scan's connection went back to the pool and was lent to another call,
 * cannot abort that call's transaction ("current transaction is aborted").
 */
const scanConnectionName = (scanId: number) => `pointkeeper-scan-${scanId}`;

async function cancelScanStatement(db: Knex, scanId: number, pid: number): Promise<void> {
  await db.raw(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = ? AND application_name = ?`, [
    pid,
    scanConnectionName(scanId),
  ]);
}

/** Cancels the scan's running statement when the caller aborts; returns the unsubscribe. */
function cancelOnAbort(db: Knex, scanId: number, pid: number, signal: AbortSignal): () => void {
  const cancel = () => void cancelScanStatement(db, scanId, pid).catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

async function finish(
  db: Knex,
  scanId: number,
  status: ScanStatus,
  fields: Partial<ScanRow> = {},
): Promise<void> {
  await db.raw('SELECT pointkeeper_scan_finish(?, ?, ?, ?, ?)', [
    scanId,
    status,
    fields.users_scanned ?? 0,
    fields.transactions_scanned ?? null,
    fields.error ?? null,
  ]);
}

/**
 * The system-wide scan: every user, in chunks of user ids, each chunk one set-based statement
 * (never a loop over users), all chunks in one REPEATABLE READ snapshot so the figures agree
 * with each other. Findings are kept in audit_scan_results for paging, sorting and export.
 * Cancelling cancels the running statement (pg_cancel_backend); nothing of a cancelled or
 * failed scan is kept but its audit_scans row saying so.
 *
 * With `reads` a read-only standby (the reporting replica), the snapshot is taken there and the
 * scan's rows are still written on the primary (`db`). A standby cannot hold a temporary table,
 * so there the log is aggregated inside one statement over every user: one pass, which the
 * server may run in parallel, with progress at its end.
 */
export async function runScan(
  db: Knex,
  input: ParsedInput<'audit.scan'>,
  progress: (p: Progress) => void,
  signal: AbortSignal,
  reads: Knex = db,
): Promise<ScanSummary> {
  const onStandby = reads !== db;
  const started = (await db.raw('SELECT pointkeeper_scan_start(?) AS id', [input.verifyChain])) as {
    rows: Array<{ id: number }>;
  };
  const scanId = started.rows[0]!.id;
  let done = 0;
  let total = 0;
  let scanned = 0;
  try {
    await reads.transaction(
      async (trx) => {
        const { pid } = (
          await trx.raw(`SELECT pg_backend_pid() AS pid, set_config('application_name', ?, true)`, [
            scanConnectionName(scanId),
          ])
        ).rows[0] as { pid: number };
        await trx.raw(`SELECT set_config('statement_timeout', ?, true)`, [
          `${Math.ceil(input.timeoutSeconds * 1000)}ms`,
        ]);
        const range = (await trx('users').first(
          trx.raw('min(id)::int AS lo'),
          trx.raw('max(id)::int AS hi'),
          trx.raw('count(*)::int AS n'),
        )) as { lo: number | null; hi: number | null; n: number };
        total = range.n;
        // Outside the snapshot's transaction, so other consoles see it at once. A standby's
        // backend is no session on the primary: the scan is attached to the primary connection
        // making the call, which never bears the scan's name, so a cancel from elsewhere only
        // raises the flag (this process cancels the standby's statement itself, on abort).
        await db.raw(`SELECT pointkeeper_scan_attach(?, ?, ${onStandby ? 'pg_backend_pid()' : '?'})`, [
          scanId,
          total,
          ...(onStandby ? [] : [pid]),
        ]);
        progress({ done: 0, total, message: 'users' });
        const stopListening = cancelOnAbort(reads, scanId, pid, signal);
        let transactions = 0;
        const step = onStandby ? Number.MAX_SAFE_INTEGER : SCAN_CHUNK_USERS;
        try {
          if (!onStandby) await readLog(trx);
          for (let lo = range.lo ?? 1; range.hi !== null && lo <= range.hi; lo += step) {
            if (signal.aborted || (await cancelRequested(db, scanId))) throw cancelled(done, total);
            const chunk = await scanChunk(
              trx,
              lo,
              Math.min(lo + step - 1, range.hi),
              input.verifyChain,
              onStandby ? null : SCAN_TABLES,
            );
            // The standby's snapshot is read only: its findings are saved on the primary.
            await saveFindings(onStandby ? db : trx, scanId, chunk.findings);
            done += chunk.users;
            transactions += chunk.transactions;
            await db.raw('SELECT pointkeeper_scan_progress(?, ?)', [scanId, done]);
            progress({ done, total, message: 'users' });
          }
        } finally {
          stopListening();
        }
        scanned = transactions;
      },
      { isolationLevel: 'repeatable read' },
    );
  } catch (error) {
    const stop = signal.aborted || (await cancelRequested(db, scanId).catch(() => false));
    const reason = explainFailure(error, stop, input.timeoutSeconds, done, total);
    const stopped = reason instanceof AppError && reason.code === 'CANCELLED';
    await finish(db, scanId, stopped ? 'cancelled' : 'failed', {
      users_scanned: done,
      error: reason instanceof Error ? reason.message : String(reason),
    }).catch(() => undefined);
    throw reason;
  }
  // The scan row is updated from outside the snapshot all along (progress), so it is closed there too.
  await finish(db, scanId, 'done', { users_scanned: done, transactions_scanned: scanned });
  return scanSummary(db, scanId);
}

async function cancelRequested(db: Knex, scanId: number): Promise<boolean> {
  const row = await db('audit_scans').where({ id: scanId }).first('cancel_requested');
  return row?.cancel_requested === true;
}

/**
 * Cancels a running scan from anywhere (the screen, another process): the flag stops it between
 * chunks and pg_cancel_backend stops the statement it is running now.
 */
export async function cancelScan(db: Knex, scanId: number): Promise<{ cancelled: boolean }> {
  const flagged = (await callWrite<number | null>(db, 'pointkeeper_scan_cancel(?)', [scanId])) ?? null;
  if (flagged === null) return { cancelled: false };
  // Another login's scan may not be signalled by this one (PostgreSQL refuses): the flag then
  // stops it at its next chunk.
  if (flagged !== 0) await cancelScanStatement(db, scanId, flagged).catch(() => undefined);
  return { cancelled: true };
}

const cancelled = (done: number, total: number) =>
  new AppError(
    'CANCELLED',
    `Scan cancelled after ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} users; nothing was kept.`,
  );

/** A cancel or a timeout becomes a clear CANCELLED; anything else goes on to the registry as is. */
function explainFailure(
  error: unknown,
  stopped: boolean,
  timeout: number,
  done: number,
  total: number,
): unknown {
  if (error instanceof AppError) return error;
  if ((error as { code?: string }).code === '57014') {
    if (stopped) return cancelled(done, total);
    return new AppError(
      'CANCELLED',
      `The scan stopped: one of its statements (the pass over the log, or a chunk of ${SCAN_CHUNK_USERS.toLocaleString('en-US')} users) took longer than its ${timeout} s time limit (after ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} users). Nothing was kept; run it again with a longer timeout or when the database is less busy.`,
    );
  }
  return error;
}

const emptyByKind = () =>
  Object.fromEntries(
    DISCREPANCY_KINDS.map((k) => [k, { count: 0, pointsAtStake: 0 }]),
  ) as ScanSummary['byKind'];

export async function scanSummary(db: Knex, scanId: number): Promise<ScanSummary> {
  const scan = (await db('audit_scans').where({ id: scanId }).first()) as ScanRow | undefined;
  if (!scan) throw notFound(`Scan ${scanId}`);
  const kinds = (await db('audit_scan_results')
    .where({ scan_id: scanId })
    .groupBy('kind')
    .select('kind', db.raw('count(*)::int AS count'), db.raw('sum(stake)::bigint AS stake'))) as Array<{
    kind: DiscrepancyKind;
    count: number;
    stake: number;
  }>;
  const users = (await db('audit_scan_results')
    .where({ scan_id: scanId })
    .countDistinct({ n: 'user_id' })
    .first()) as { n: number };
  const byKind = emptyByKind();
  for (const k of kinds) byKind[k.kind] = { count: k.count, pointsAtStake: Number(k.stake) };
  return {
    scanId,
    status: scan.status,
    startedAt: iso(scan.started_at),
    finishedAt: isoOrNull(scan.finished_at),
    startedBy: scan.started_by,
    verifyChain: scan.verify_chain,
    usersScanned: scan.users_scanned,
    usersTotal: scan.users_total,
    error: scan.error,
    transactionsScanned: Number(scan.transactions_scanned),
    usersWithDiscrepancies: Number(users.n),
    discrepancies: kinds.reduce((s, k) => s + k.count, 0),
    pointsAtStake: kinds.reduce((s, k) => s + Number(k.stake), 0),
    byKind,
    seconds: scan.finished_at
      ? Math.round((scan.finished_at.getTime() - scan.started_at.getTime()) / 100) / 10
      : null,
  };
}

export async function listScans(db: Knex, limit: number): Promise<ScanSummary[]> {
  const ids = (await db('audit_scans').orderBy('id', 'desc').limit(limit).pluck('id')) as number[];
  return Promise.all(ids.map((id) => scanSummary(db, id)));
}
