import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import type {
  ExportResult,
  InspectResult,
  RestoreMode,
  RestorePlan,
  RestoreResult,
  TableCounts,
} from '../../../shared/contract/backup';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, withCli } from '../runtime';

const countsText = (c: TableCounts) =>
  Object.entries(c)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');

function printExport(r: ExportResult): void {
  printFields({
    file: r.path,
    bytes: r.bytes,
    rows: r.rows,
    tables: countsText(r.counts),
    sha256: r.sha256,
    seconds: r.seconds,
    'rows/s': r.rowsPerSecond,
  });
}

function printInspect(r: InspectResult): void {
  const h = r.header;
  printFields({
    file: `${r.path}${r.compressed ? ' (gzip)' : ''}, ${r.bytes} bytes`,
    format: `${h.format} v${h.version}, schema ${h.schemaVersion}`,
    created: `${h.createdAt} by ${h.createdBy}`,
    source: `${h.source.database} on ${h.source.server} (PostgreSQL ${h.source.serverVersion})`,
    scope: h.scope === 'full' ? 'everything' : `users ${h.scope.userIds.join(', ')}`,
    rows: countsText(r.counts),
    checksum: r.checksum.valid ? `valid (${r.checksum.actual})` : `INVALID (content ${r.checksum.actual})`,
    problem: r.problem,
  });
}

function printPlan(p: RestorePlan): void {
  process.stdout.write(`Restore ${p.path} (${p.mode}), content sha256 ${p.sha256}\n`);
  process.stdout.write(`Signature: ${p.signature.text}\n`);
  printTable(p.tables as unknown as Array<Record<string, unknown>>, [
    'table',
    'inFile',
    'insert',
    'identical',
    'conflicting',
    'remove',
  ]);
  process.stdout.write(`\nBalances changing: ${p.balances.changed}\n`);
  for (const b of p.balances.shown.slice(0, 20))
    process.stdout.write(
      `  user ${b.userId}: user_points ${b.before} → ${b.after}, users.rewards ${b.rewardsBefore ?? 'new'} → ${b.rewardsAfter}\n`,
    );
  if (p.problems.length)
    process.stdout.write(`\nRows not restored as in the file (first ${p.problems.length}):\n`);
  for (const x of p.problems.slice(0, 20))
    process.stdout.write(`  line ${x.line} ${x.table} id ${x.id}: ${x.problem}\n`);
}

function printResult(r: RestoreResult): void {
  process.stdout.write(
    `\nRestored in ${r.seconds} s. Safety backup: ${r.safetyBackup ?? '(nothing existed to save)'}\n`,
  );
  printTable(
    Object.entries(r.applied).map(([table, c]) => ({ table, ...c })),
    ['table', 'inserted', 'updated', 'removed'],
  );
  process.stdout.write(
    `Checked ${r.checks.users} user(s): ${r.checks.chainBreaks} broken chain link(s), ${r.checks.copyMismatches} copy mismatch(es).\n`,
  );
}

/** A destructive restore asks for the mode's name typed back, unless --yes. */
async function confirmed(mode: RestoreMode): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new CliExit(2, 'Restoring needs a typed confirmation on a terminal, or --yes in scripts.');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Type "${mode}" to restore, anything else to stop: `);
    return answer.trim() === mode;
  } finally {
    rl.close();
  }
}

const collect = (value: string, previous: number[] = []) => [...previous, wholeNumber(value)];

export function backupCommand(program: Command): void {
  const backup = program.command('backup').description('Backup files: export, inspect, restore, verify');
  backup
    .command('export')
    .description('Write a backup of everything (default) or of some users, from one consistent snapshot')
    .requiredOption('--out <file>', 'the file to write: .ndjson, or .ndjson.gz to compress')
    .option('--user <id>', 'only this user (repeat for several)', collect)
    .option('--json', 'print JSON')
    .action((o: { out: string; user?: number[]; json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('backup.export', {
          scope: o.user ? { userIds: o.user } : 'full',
          path: resolve(o.out),
        });
        if (o.json) printJson(r);
        else printExport(r);
      }),
    );
  backup
    .command('inspect')
    .description("A backup's header, row counts and checksum; exits 1 when the file would be refused")
    .argument('<file>', 'the backup file')
    .option('--json', 'print JSON')
    .action((file: string, o: { json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('backup.inspect', { path: resolve(file) });
        if (o.json) printJson(r);
        else printInspect(r);
        if (r.problem)
          throw new CliExit(1, `error [VALIDATION]: ${r.problem}`, {
            code: 'VALIDATION',
            detail: r.problem,
            reported: o.json === true,
          });
      }),
    );
  backup
    .command('restore')
    .description('Validate the whole file, preview the changes, then restore in one transaction')
    .argument('<file>', 'the backup file')
    .addOption(
      new Option('--mode <mode>', 'merge: add what is missing; replace: users exactly as in the file')
        .choices(['merge', 'replace'])
        .makeOptionMandatory(),
    )
    .option('--dry-run', 'validate and preview only; write nothing')
    .option('--yes', 'restore without asking (scripts)')
    .option('--safety-dir <dir>', 'where the automatic safety backup goes (default: beside the file)')
    .option(
      '--accept-foreign',
      'restore a file not signed by this database (unsigned, or another database’s key): recorded as such',
    )
    .option('--json', 'print JSON')
    .action(
      (
        file: string,
        o: {
          mode: RestoreMode;
          dryRun?: boolean;
          yes?: boolean;
          safetyDir?: string;
          acceptForeign?: boolean;
          json?: boolean;
        },
      ) =>
        withCli(async (cli) => {
          const path = resolve(file);
          const plan = await cli.call('backup.restore.plan', { path, mode: o.mode });
          // With --json and --yes the one document printed is the result; otherwise the plan.
          if (!o.json || !o.yes || o.dryRun) {
            if (o.json) printJson(plan);
            else printPlan(plan);
            if (o.dryRun) return;
          }
          // No terminal to ask on (a script, --json): what was printed is a preview, nothing more.
          if (!o.yes && (o.json || !process.stdin.isTTY))
            throw new CliExit(
              EXIT.PREVIEW,
              'Nothing was restored: this was a preview. Run the same command with --yes to restore.',
            );
          if (!o.yes && !(await confirmed(o.mode))) throw new CliExit(1, 'Not restored: not confirmed.');
          const result = await cli.call('backup.restore.apply', {
            path,
            mode: o.mode,
            ...(o.safetyDir ? { safetyDir: resolve(o.safetyDir) } : {}),
            acknowledgeNotSignedHere: o.acceptForeign === true,
          });
          if (o.json) printJson(result);
          else printResult(result);
        }),
    );
  backup
    .command('verify')
    .description("Check the file's chains (with this database's key) and copies, writing nothing")
    .argument('<file>', 'the backup file')
    .option('--json', 'print JSON')
    .action((file: string, o: { json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('backup.verify', { path: resolve(file) });
        if (o.json) printJson(r);
        else printFields({ ...r });
        if (!r.ok)
          throw new CliExit(
            1,
            `error [VALIDATION]: the backup restores with ${r.chainBreaks} broken chain link(s) and ${r.copyMismatches} copy mismatch(es).`,
            { code: 'VALIDATION', reported: o.json === true },
          );
      }),
    );
}
