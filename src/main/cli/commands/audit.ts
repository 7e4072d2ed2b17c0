import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Discrepancy, ReportResult } from '../../../shared/contract';
import { DISCREPANCY_KINDS, SCAN_SORTS, type DiscrepancyKind } from '../../../shared/contract/audit';
import { formatSignedPoints } from '../../../shared/format';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, programFlags, withCli, type Cli } from '../runtime';

type Format = 'csv' | 'pdf';

/** --out: a .csv or .pdf path is a report; anything else receives the JSON. */
function reportFormat(path: string, format?: Format): Format | null {
  if (format) return format;
  const ext = extname(path).toLowerCase();
  return ext === '.csv' || ext === '.pdf' ? (ext.slice(1) as Format) : null;
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(value) || !(n > 0))
    throw new InvalidArgumentError(`"${value}" is not a number of seconds.`);
  return n;
};

/** Same rules as reports: created owner-only, an existing file replaced only with --overwrite. */
async function writeJson(path: string, data: unknown): Promise<void> {
  const flag = programFlags.overwrite ? 'w' : 'wx';
  await writeFile(resolve(path), `${JSON.stringify(data, null, 2)}\n`, { flag, mode: 0o600 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      throw new CliExit(
        EXIT.REFUSED,
        `error [CONFLICT]: ${resolve(path)} already exists; add --overwrite to replace it.`,
        {
          code: 'CONFLICT',
          detail: `${resolve(path)} already exists; add --overwrite to replace it.`,
        },
      );
    },
  );
  process.stderr.write(`wrote ${resolve(path)}\n`);
}

function saidReport(r: ReportResult, json?: boolean): void {
  if (json) printJson(r);
  else
    process.stdout.write(
      `wrote ${r.path} (${r.format}, ${r.rows.toLocaleString('en-US')} rows, ${r.bytes.toLocaleString('en-US')} bytes)\n`,
    );
}

const discrepancyRows = (items: Discrepancy[]) =>
  items.map((d) => ({
    user: d.userId,
    kind: d.code,
    stored: d.stored,
    expected: d.expected,
    difference: d.difference === null ? null : formatSignedPoints(d.difference),
    recommendation: d.recommendation.effect,
  }));

async function auditAction(o: {
  user: number;
  limit: number;
  recoveryData?: boolean;
  json?: boolean;
  out?: string;
}) {
  await withCli(async (cli) => {
    const a = await cli.call('audit.user', {
      userId: o.user,
      limit: o.limit,
      includeRecoveryData: o.recoveryData ?? false,
    });
    if (o.out) return writeJson(o.out, a);
    if (o.json) return printJson(a);
    const chain = a.dataIntegrity.chain;
    printFields({
      user: a.userId,
      'balance (log)': a.summary.current_points,
      'earned (log)': a.summary.total_points_earned,
      'redeemed (log)': a.summary.total_points_redeemed,
      transactions: a.summary.total_transactions,
      'user_points.points': a.userPointsRecord?.points ?? 'missing',
      'users.rewards': a.legacyRewards.rewards,
      'copies match the log':
        a.dataIntegrity.transactionsMatchUserPoints && a.dataIntegrity.legacyRewardsMatch ? 'yes' : 'NO',
      'hash chain': chain.verified
        ? `intact (${chain.rowsChecked} rows)`
        : `BROKEN: ${chain.firstBreak?.message}`,
    });
    if (a.dataIntegrity.discrepancies.length > 0) {
      process.stdout.write('\n');
      printTable(discrepancyRows(a.dataIntegrity.discrepancies), [
        'kind',
        'stored',
        'expected',
        'difference',
        'recommendation',
      ]);
    }
  });
}

interface ScanOpts {
  chain: boolean;
  timeout: number;
  kind?: DiscrepancyKind[];
  sort: (typeof SCAN_SORTS)[number];
  order: 'asc' | 'desc';
  limit: number;
  json?: boolean;
  out?: string;
  format?: Format;
}

async function printScan(cli: Cli, scanId: number, o: ScanOpts): Promise<void> {
  const page = await cli.call('audit.scanResults', {
    scanId,
    sort: o.sort,
    order: o.order,
    limit: o.limit,
    ...(o.kind ? { kinds: o.kind } : {}),
  });
  if (page.items.length > 0) {
    process.stdout.write('\n');
    printTable(discrepancyRows(page.items), [
      'user',
      'kind',
      'stored',
      'expected',
      'difference',
      'recommendation',
    ]);
  }
  if (page.nextCursor)
    process.stdout.write(`… more: pointkeeper report scan --scan ${scanId} --out discrepancies.csv\n`);
}

async function scanAction(o: ScanOpts) {
  await withCli(async (cli) => {
    const s = await cli.call('audit.scan', { verifyChain: o.chain, timeoutSeconds: o.timeout });
    const format = o.out ? reportFormat(o.out, o.format) : null;
    if (o.out && format) {
      const r = await cli.call('report.export', {
        report: 'scan',
        format,
        path: resolve(o.out),
        scanId: s.scanId,
        ...(o.kind ? { kinds: o.kind } : {}),
      });
      if (!o.json) process.stderr.write(`wrote ${r.path}\n`);
    } else if (o.out) return writeJson(o.out, s);
    if (o.json) return printJson(s);
    printFields({
      scan: s.scanId,
      users: s.usersScanned.toLocaleString('en-US'),
      transactions: s.transactionsScanned.toLocaleString('en-US'),
      'hash chain': s.verifyChain ? 'verified' : 'not checked (--no-chain)',
      seconds: s.seconds,
      'users with discrepancies': s.usersWithDiscrepancies.toLocaleString('en-US'),
      discrepancies: s.discrepancies.toLocaleString('en-US'),
      'points at stake': s.pointsAtStake.toLocaleString('en-US'),
    });
    const kinds = DISCREPANCY_KINDS.filter((k) => s.byKind[k].count > 0);
    if (kinds.length > 0) {
      process.stdout.write('\n');
      printTable(
        kinds.map((k) => ({
          kind: k,
          count: s.byKind[k].count,
          'points at stake': s.byKind[k].pointsAtStake,
        })),
        ['kind', 'count', 'points at stake'],
      );
      await printScan(cli, s.scanId, o);
    }
  });
}

interface StatementOpts {
  user: number;
  from?: string;
  to?: string;
  at?: string;
  limit: number;
  json?: boolean;
  out?: string;
  format?: Format;
}

async function statementAction(o: StatementOpts) {
  // A usage mistake is told before connecting, with the usage exit code.
  if (o.at === undefined && (!o.from || !o.to))
    throw new CliExit(EXIT.USAGE, 'error: give --from and --to (a period), or --at (a moment).');
  const period = { from: o.from ?? '', to: o.to ?? '' };
  await withCli(async (cli) => {
    if (o.at !== undefined) {
      const b = await cli.call('audit.balanceAt', { userId: o.user, at: o.at });
      if (o.out) return writeJson(o.out, b);
      return o.json ? printJson(b) : printFields(b);
    }
    const format = o.out ? reportFormat(o.out, o.format) : null;
    if (o.out && format) {
      const r = await cli.call('report.export', {
        report: 'statement',
        format,
        path: resolve(o.out),
        userId: o.user,
        ...period,
      });
      return saidReport(r, o.json);
    }
    const s = await cli.call('audit.statement', { userId: o.user, ...period, limit: o.limit });
    if (o.out) return writeJson(o.out, s);
    if (o.json) return printJson(s);
    printFields({
      user: s.userId,
      from: s.from,
      to: s.to,
      opening: s.openingBalance,
      credits: s.credits,
      debits: s.debits,
      expired: s.expired,
      closing: s.closingBalance,
    });
    process.stdout.write('\n');
    printTable(
      s.rows.map((r) => ({ ...r, points: formatSignedPoints(r.points) })),
      ['id', 'createdAt', 'type', 'points', 'balanceAfter', 'description'],
    );
    if (s.truncated) process.stdout.write(`… only the first ${s.rows.length} rows (--limit)\n`);
  });
}

const kindOption = () => new Option('--kind <kind...>', 'only these kinds').choices(DISCREPANCY_KINDS);
const formatOption = () =>
  new Option('--format <format>', 'report format (default: from the --out extension)').choices([
    'csv',
    'pdf',
  ]);

export function auditCommands(program: Command): void {
  program
    .command('audit')
    .description("One user's audit: totals from the log, stored copies, discrepancies, hash chain")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .option('--limit <n>', 'transactions to include (1–1000)', wholeNumber, 100)
    .option('--recovery-data', 'include redemptions and recovery recommendations (admins)')
    .option('--json', 'print the JSON response')
    .option('--out <file>', 'write the JSON response to a file')
    .action(auditAction);
  program
    .command('scan')
    .description('Scan every user for discrepancies (set-based; Ctrl-C cancels)')
    .option('--no-chain', 'skip verifying the hash chains (faster)')
    .option('--timeout <seconds>', "each chunk's statement time limit", seconds, 300)
    .addOption(kindOption())
    .addOption(new Option('--sort <by>', 'order of the findings listed').choices(SCAN_SORTS).default('stake'))
    .addOption(
      new Option('--order <dir>', 'ascending or descending').choices(['asc', 'desc']).default('desc'),
    )
    .option('--limit <n>', 'findings to list (1–500)', wholeNumber, 20)
    .option('--json', 'print the scan summary as JSON')
    .option(
      '--out <file>',
      'write the report: .csv or .pdf (or --format); any other name gets the JSON summary',
    )
    .addOption(formatOption())
    .action(scanAction);
  program
    .command('statement')
    .description("A user's statement for a period, or their balance as of a moment (--at)")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .option('--from <iso>', 'period start (ISO 8601)')
    .option('--to <iso>', 'period end (ISO 8601)')
    .option('--at <iso>', 'balance as of this moment instead of a statement')
    .option('--limit <n>', 'rows to list', wholeNumber, 10_000)
    .option('--json', 'print JSON')
    .option('--out <file>', 'write the report: .csv or .pdf (or --format); any other name gets the JSON')
    .addOption(formatOption())
    .action(statementAction);
  const report = program
    .command('report')
    .description('Export an auditor report to CSV or PDF (recorded in the operations log)');
  report
    .command('scan')
    .description("A scan's discrepancy report (default: the latest scan)")
    .option('--scan <id>', 'scan id', wholeNumber)
    .addOption(kindOption())
    .requiredOption('--out <file>', 'where to write it (.csv or .pdf)')
    .addOption(formatOption())
    .option('--json', 'print JSON')
    .action((o: { scan?: number; kind?: DiscrepancyKind[]; out: string; format?: Format; json?: boolean }) =>
      withCli(async (cli) => {
        const format = reportFormat(o.out, o.format);
        if (!format) throw new InvalidArgumentError('--out must end in .csv or .pdf, or give --format.');
        const scanId = o.scan ?? (await cli.call('audit.scans', { limit: 1 }))[0]?.scanId;
        if (scanId === undefined)
          throw new InvalidArgumentError('there is no scan yet: run "pointkeeper scan" first.');
        saidReport(
          await cli.call('report.export', {
            report: 'scan',
            format,
            path: resolve(o.out),
            scanId,
            ...(o.kind ? { kinds: o.kind } : {}),
          }),
          o.json,
        );
      }),
    );
  report
    .command('statement')
    .description("A user's statement for a period")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .requiredOption('--from <iso>', 'period start (ISO 8601)')
    .requiredOption('--to <iso>', 'period end (ISO 8601)')
    .requiredOption('--out <file>', 'where to write it (.csv or .pdf)')
    .addOption(formatOption())
    .option('--json', 'print JSON')
    .action((o: { user: number; from: string; to: string; out: string; format?: Format; json?: boolean }) =>
      withCli(async (cli) => {
        const format = reportFormat(o.out, o.format);
        if (!format) throw new InvalidArgumentError('--out must end in .csv or .pdf, or give --format.');
        saidReport(
          await cli.call('report.export', {
            report: 'statement',
            format,
            path: resolve(o.out),
            userId: o.user,
            from: o.from,
            to: o.to,
          }),
          o.json,
        );
      }),
    );
}
