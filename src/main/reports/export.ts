import type { Knex } from 'knex';
import type { ParsedInput, ReportResult, WhoAmI } from '../../shared/contract';
import { DISCREPANCY_KINDS } from '../../shared/contract/audit';
import { toDiscrepancy } from '../ledger/audit/explain';
import type { Finding } from '../ledger/audit/findings';
import { resultsQuery } from '../ledger/audit/results';
import { scanSummary } from '../ledger/audit/scan';
import { statement } from '../ledger/audit/statement';
import { listOperations } from '../ledger/operations';
import { expiringByMonth } from '../ledger/expiry/run';
import { writeAtomically } from './file';
import type { ReportJobInit } from './job';
import type { Cell, ReportDoc } from './model';
import { withWorker } from '../workers/task';
import { formatCount, formatPoints } from '../../shared/format';

type ExportInput = ParsedInput<'report.export'>;
const PAGE = 2_000;
const n = formatCount;

function baseMeta(who: WhoAmI): Array<[string, string]> {
  return [
    ['Database', `${who.database} on ${who.server}`],
    ['Login', `${who.login} (${who.role ?? 'no role'})`],
    ['Generated', new Date().toISOString()],
  ];
}

/** The scan's findings in the table's default order, read in keyset pages so memory stays flat. */
async function* scanRows(db: Knex, input: Extract<ExportInput, { report: 'scan' }>) {
  let after: [number, number] | null = null;
  for (;;) {
    const q = resultsQuery(db, input, 'stake', 'desc').limit(PAGE);
    if (after) q.whereRaw('(r.stake, r.id) < (?, ?)', after);
    const rows = (await q) as Array<Finding & { id: number; stake: number }>;
    for (const r of rows) {
      const d = toDiscrepancy(r);
      yield {
        user_id: d.userId,
        code: d.code,
        stored: d.stored,
        expected: d.expected,
        difference: d.difference,
        transaction_id: d.transactionId,
        redemption_id: d.redemptionId,
        action: d.recommendation.action,
        effect: d.recommendation.effect,
        message: d.message,
      } satisfies Record<string, Cell>;
    }
    if (rows.length < PAGE) return;
    const last = rows.at(-1)!;
    after = [Number(last.stake), last.id];
  }
}

async function scanDoc(
  db: Knex,
  who: WhoAmI,
  input: Extract<ExportInput, { report: 'scan' }>,
): Promise<ReportDoc> {
  const s = await scanSummary(db, input.scanId);
  const kinds = input.kinds ?? [...DISCREPANCY_KINDS];
  return {
    title: `Discrepancy report — scan ${s.scanId}`,
    meta: [
      ...baseMeta(who),
      [
        'Scan',
        `${s.scanId} by ${s.startedBy}, ${s.startedAt} (${s.status}${s.verifyChain ? ', hash chain verified' : ''})`,
      ],
      ['Filters', input.kinds ? `kinds: ${input.kinds.join(', ')}` : 'none (every kind)'],
    ],
    totals: [
      ['Users scanned', n(s.usersScanned)],
      ['Transactions scanned', n(s.transactionsScanned)],
      ['Users with discrepancies', n(s.usersWithDiscrepancies)],
      ['Discrepancies', n(kinds.reduce((t, k) => t + s.byKind[k].count, 0))],
      ['Points at stake', n(kinds.reduce((t, k) => t + s.byKind[k].pointsAtStake, 0))],
      ...kinds
        .filter((k) => s.byKind[k].count > 0)
        .map((k): [string, string] => [
          k,
          `${n(s.byKind[k].count)} (${formatPoints(s.byKind[k].pointsAtStake)})`,
        ]),
    ],
    columns: [
      { key: 'user_id', label: 'User', width: 6, align: 'right' },
      { key: 'code', label: 'Kind', width: 14 },
      { key: 'stored', label: 'Stored', width: 6, align: 'right' },
      { key: 'expected', label: 'Expected', width: 6, align: 'right' },
      { key: 'difference', label: 'Diff.', width: 6, align: 'right' },
      { key: 'transaction_id', label: 'Tx', width: 6, align: 'right' },
      { key: 'redemption_id', label: 'Redemption', width: 6, align: 'right' },
      { key: 'action', label: 'Action', width: 6 },
      { key: 'effect', label: 'Effect', width: 28 },
      { key: 'message', label: 'Finding', width: 28 },
    ],
    rows: () => scanRows(db, input),
    pdfRowLimit: 10_000,
  };
}

async function statementDoc(
  db: Knex,
  who: WhoAmI,
  input: Extract<ExportInput, { report: 'statement' }>,
): Promise<ReportDoc> {
  const s = await statement(db, { userId: input.userId, from: input.from, to: input.to, limit: 100_000 });
  return {
    title: `Statement — user ${s.userId}`,
    meta: [...baseMeta(who), ['Period', `${s.from} to ${s.to}`]],
    totals: [
      ['Opening balance', n(s.openingBalance)],
      ['Credits', n(s.credits)],
      ['Debits', n(s.debits)],
      ['Expired', n(s.expired)],
      ['Closing balance', n(s.closingBalance)],
      ['Transactions', `${n(s.rows.length)}${s.truncated ? ' (first 100,000 only)' : ''}`],
    ],
    columns: [
      { key: 'id', label: 'Tx', width: 6, align: 'right' },
      { key: 'created_at', label: 'Time (UTC)', width: 15 },
      { key: 'type', label: 'Type', width: 8 },
      { key: 'points', label: 'Points', width: 6, align: 'right' },
      { key: 'balance_after', label: 'Balance', width: 7, align: 'right' },
      { key: 'description', label: 'Description', width: 36 },
      { key: 'order_id', label: 'Order', width: 6, align: 'right' },
      { key: 'created_by', label: 'By', width: 10 },
      { key: 'reverses_id', label: 'Reverses', width: 6, align: 'right' },
    ],
    async *rows() {
      for (const r of s.rows) {
        yield {
          id: r.id,
          created_at: r.createdAt,
          type: r.type,
          points: r.points,
          balance_after: r.balanceAfter,
          description: r.description,
          order_id: r.orderId,
          created_by: r.createdBy,
          reverses_id: r.reversesId,
        } satisfies Record<string, Cell>;
      }
    },
    pdfRowLimit: 100_000,
  };
}

/** The operations log under the screen's filters, newest first, paged by id. */
function operationsDoc(
  who: WhoAmI,
  db: Knex,
  input: Extract<ExportInput, { report: 'operations' }>,
): ReportDoc {
  const filters = {
    ...(input.actionPrefix ? { actionPrefix: input.actionPrefix } : {}),
    ...(input.actor ? { actor: input.actor } : {}),
    ...(input.outcome ? { outcome: input.outcome } : {}),
  };
  const described = Object.entries(filters).map(([k, v]) => `${k}: ${v}`);
  return {
    title: 'Operations log',
    meta: [...baseMeta(who), ['Filters', described.length > 0 ? described.join(', ') : 'none (every entry)']],
    totals: [],
    columns: [
      { key: 'id', label: 'ID', width: 5, align: 'right' },
      { key: 'at', label: 'Time (UTC)', width: 14 },
      { key: 'actor', label: 'Login', width: 10 },
      { key: 'action', label: 'Action', width: 14 },
      { key: 'outcome', label: 'Outcome', width: 6 },
      { key: 'error_code', label: 'Error', width: 10 },
      { key: 'input', label: 'Input', width: 22 },
      { key: 'result', label: 'Result', width: 22 },
    ],
    async *rows() {
      let cursor: string | null = null;
      do {
        const page = await listOperations(db, { ...filters, limit: 500, cursor });
        for (const e of page.items) {
          yield {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            outcome: e.outcome,
            error_code: e.errorCode,
            input: JSON.stringify(e.input),
            result: JSON.stringify(e.result),
          } satisfies Record<string, Cell>;
        }
        cursor = page.nextCursor;
      } while (cursor !== null);
    },
    pdfRowLimit: 5_000,
  };
}

/** Open points by the month their lots expire, and what never expires: finance's liability view. */
async function expiringDoc(
  db: Knex,
  who: WhoAmI,
  input: Extract<ExportInput, { report: 'expiring' }>,
): Promise<ReportDoc> {
  const r = await expiringByMonth(db, input.months);
  return {
    title: 'Points expiring by month',
    meta: [...baseMeta(who), ['Months ahead', String(input.months)], ['As of', r.asOf]],
    totals: [
      ['Expiring', formatPoints(r.rows.reduce((s, x) => s + x.points, 0))],
      ['Never expiring', formatPoints(r.neverExpiring)],
    ],
    columns: [
      { key: 'month', label: 'Month (UTC)', width: 25 },
      { key: 'users', label: 'Users', width: 25, align: 'right' },
      { key: 'lots', label: 'Lots', width: 25, align: 'right' },
      { key: 'points', label: 'Points', width: 25, align: 'right' },
    ],
    async *rows() {
      for (const x of r.rows) yield x satisfies Record<string, Cell>;
    },
    pdfRowLimit: 1_000,
  };
}

/** Writes the report the auditor asked for; the registry records the call in operations_log. */
export async function exportReport(db: Knex, who: WhoAmI, input: ExportInput): Promise<ReportResult> {
  const doc =
    input.report === 'scan'
      ? await scanDoc(db, who, input)
      : input.report === 'statement'
        ? await statementDoc(db, who, input)
        : input.report === 'expiring'
          ? await expiringDoc(db, who, input)
          : operationsDoc(who, db, input);
  let rows = 0;
  const bytes = await writeAtomically(
    input.path,
    async (_out, fd) => {
      rows = await renderInWorker(doc, input.format, fd);
    },
    input.overwrite,
  );
  return { path: input.path, format: input.format, rows, bytes };
}

/** Rows handed to the worker per message: large enough that messaging costs little. */
const ROWS_PER_MESSAGE = 500;

/**
 * The main process reads the rows (its Knex pool, its transaction) and the report worker renders
 * them into the open partial file; the main loop only passes batches along.
 */
async function renderInWorker(doc: ReportDoc, format: 'csv' | 'pdf', fd: number): Promise<number> {
  const { rows: source, ...head } = doc;
  const init: ReportJobInit = { format, fd, head };
  return withWorker('report', init, {}, async (task) => {
    let batch: Array<Record<string, Cell>> = [];
    let more = true;
    for await (const row of source()) {
      batch.push(row);
      if (batch.length < ROWS_PER_MESSAGE) continue;
      more = await task.send(batch);
      batch = [];
      if (!more) break;
    }
    if (more && batch.length > 0) await task.send(batch);
    const result = (await task.finish()) as { rows: number };
    return result.rows;
  });
}
