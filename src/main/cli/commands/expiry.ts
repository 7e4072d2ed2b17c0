import { extname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ExpiryPreview, ExpiryRunResult } from '../../../shared/contract';
import { LOT_TYPES, type LotType } from '../../../shared/contract/expiry';
import { formatPoints } from '../../../shared/format';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, withCli } from '../runtime';

interface ExpireOpts {
  asOf?: string;
  dryRun?: boolean;
  yes?: boolean;
  chunk: number;
  json?: boolean;
}

function printPreview(p: ExpiryPreview): void {
  printFields({
    'as of': p.asOf,
    'lots due': p.lots,
    users: p.users,
    points: formatPoints(p.points),
  });
  if (p.byType.length > 0) {
    process.stdout.write('\n');
    printTable(
      p.byType.map((t) => ({ ...t, points: formatPoints(t.points) })),
      ['type', 'lots', 'points'],
    );
  }
}

function printRun(r: ExpiryRunResult): void {
  printFields({
    'as of': r.asOf,
    'lots expired': r.lots,
    users: r.users,
    points: formatPoints(r.points),
    chunks: r.chunks,
    seconds: r.seconds,
    'operations log': 'pointkeeper log --action points.expire',
  });
}

/** Preview, then apply only with --yes, as of the moment the preview was made. */
async function runExpire(o: ExpireOpts): Promise<void> {
  if (o.dryRun && o.yes) throw new CliExit(2, 'error: --dry-run and --yes contradict each other');
  await withCli(async (cli) => {
    const preview = await cli.call('expiry.preview', o.asOf ? { asOf: o.asOf } : {});
    if (o.dryRun || !o.yes || preview.lots === 0) {
      if (o.json) printJson(preview);
      else printPreview(preview);
      if (o.dryRun || preview.lots === 0) {
        if (preview.lots === 0 && !o.json)
          process.stderr.write('Nothing is due: no lot has passed its date.\n');
        return;
      }
      throw new CliExit(
        EXIT.PREVIEW,
        `Nothing was changed: this was a preview. Run the same command with --yes (and --as-of ${preview.asOf}) to apply it.`,
      );
    }
    const run = await cli.call('expiry.run', { asOf: preview.asOf, chunkUsers: o.chunk });
    if (o.json) printJson({ preview, run });
    else printRun(run);
  });
}

const lotType = (value: string): LotType => {
  if (!(LOT_TYPES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`"${value}" is not one of ${LOT_TYPES.join(', ')}.`);
  return value as LotType;
};

export function expiryCommands(program: Command): void {
  program
    .command('expire')
    .description('Expire every points lot past its date: one expired row per lot (preview first)')
    .option('--as-of <iso>', 'expire what was due by this moment (default: now; never in the future)')
    .option('--dry-run', 'only print what would expire')
    .option('--yes', 'apply without asking')
    .option('--chunk <n>', 'users per transaction (1–100000)', wholeNumber, 5000)
    .option('--json', 'print JSON')
    .action((o: ExpireOpts) => runExpire(o));

  const expiry = program.command('expiry').description('Points expiry: policies, lots, reports');
  const policy = expiry.command('policy').description('How long credits of each type last');
  policy
    .command('list')
    .description('The policy in force per credit type')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withCli(async (cli) => {
        const list = await cli.call('expiry.policies', {});
        if (o.json) return printJson(list);
        printTable(
          list.map((p) => ({
            type: p.type,
            expires: p.months ? `${p.months} months` : p.days ? `${p.days} days` : 'never',
            since: p.effectiveFrom ?? 'always',
            'set by': p.setBy,
          })),
          ['type', 'expires', 'since', 'set by'],
        );
      }),
    );
  policy
    .command('set')
    .description("Set a type's expiry for credits made from now on (admin)")
    .requiredOption('--type <type>', LOT_TYPES.join(' | '), lotType)
    .option('--months <n>', 'credits last n months (1–120)', wholeNumber)
    .option('--days <n>', 'credits last n days (1–3650)', wholeNumber)
    .option('--never', 'credits of this type never expire')
    .option('--json', 'print JSON')
    .action((o: { type: LotType; months?: number; days?: number; never?: boolean; json?: boolean }) =>
      withCli(async (cli) => {
        const given = [o.months !== undefined, o.days !== undefined, o.never === true].filter(Boolean).length;
        if (given !== 1) throw new CliExit(2, 'error: give exactly one of --months, --days or --never');
        const r = await cli.call('expiry.setPolicy', {
          type: o.type,
          ...(o.months !== undefined ? { months: o.months } : {}),
          ...(o.days !== undefined ? { days: o.days } : {}),
        });
        if (o.json) return printJson(r);
        printFields({
          type: r.type,
          expires: r.months ? `${r.months} months` : r.days ? `${r.days} days` : 'never',
          'for credits from': r.effectiveFrom,
        });
      }),
    );
  expiry
    .command('lots')
    .description("A user's lots, what expires within 30/60/90 days, and any lot discrepancy")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .option('--json', 'print JSON')
    .action((o: { user: number; json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('expiry.user', { userId: o.user });
        if (o.json) return printJson(r);
        printFields({
          user: r.userId,
          balance: formatPoints(r.balance),
          'open lots': r.openLots,
          'expiring ≤30 days': formatPoints(r.expiring.days30),
          'expiring ≤60 days': formatPoints(r.expiring.days60),
          'expiring ≤90 days': formatPoints(r.expiring.days90),
          overdue: formatPoints(r.expiring.overdue),
        });
        process.stdout.write('\n');
        printTable(
          r.lots.map((l) => ({
            lot: l.id,
            type: l.type,
            status: l.status,
            points: l.points,
            remaining: l.remaining,
            expires: l.expiresAt ?? 'never',
            'used by': l.uses.map((u) => `${u.transactionId} (${u.points})`).join(', '),
          })),
          ['lot', 'type', 'status', 'points', 'remaining', 'expires', 'used by'],
        );
        for (const d of r.discrepancies) process.stdout.write(`! ${d.kind}: ${d.detail}\n`);
      }),
    );
  expiry
    .command('report')
    .description('Points expiring by month, for finance: CSV or PDF (recorded in the operations log)')
    .requiredOption('--out <file>', 'where to write it (.csv or .pdf)')
    .option('--months <n>', 'months ahead (1–60)', wholeNumber, 12)
    .option('--json', 'print JSON')
    .action((o: { out: string; months: number; json?: boolean }) =>
      withCli(async (cli) => {
        const ext = extname(o.out).toLowerCase();
        if (ext !== '.csv' && ext !== '.pdf')
          throw new InvalidArgumentError('--out must end in .csv or .pdf.');
        const r = await cli.call('report.export', {
          report: 'expiring',
          format: ext === '.csv' ? 'csv' : 'pdf',
          path: resolve(o.out),
          months: o.months,
        });
        if (o.json) return printJson(r);
        printFields({ wrote: r.path, format: r.format, rows: r.rows, bytes: r.bytes });
      }),
    );
  expiry
    .command('rebuild')
    .description("Rebuild users' lots from their log (recovery; deterministic)")
    .option(
      '--user <id>',
      'a user (repeatable)',
      (v: string, prev: number[]) => [...prev, wholeNumber(v)],
      [] as number[],
    )
    .option('--json', 'print JSON')
    .action((o: { user: number[]; json?: boolean }) =>
      withCli(async (cli) => {
        if (o.user.length === 0) throw new CliExit(2, 'error: name the users: --user <id> (repeatable)');
        const r = await cli.call('expiry.rebuild', { userIds: o.user });
        if (o.json) return printJson(r);
        printFields({ users: r.users, lots: r.lots });
      }),
    );
}
