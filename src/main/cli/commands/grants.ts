import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { GrantCheck, GrantImport } from '../../../shared/contract';
import { formatSignedPoints } from '../../../shared/format';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, withCli } from '../runtime';

interface ImportOpts {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  chunk: number;
  /** Stage the file and ask for approval with this reason instead of applying it. */
  request?: string;
}

function printCheck(check: GrantCheck): void {
  if (check.problemCount > 0) {
    printTable(
      check.problems.map((p) => ({ line: p.line, problem: p.problem })),
      ['line', 'problem'],
    );
    if (check.problemCount > check.problems.length)
      process.stdout.write(`… and ${check.problemCount - check.problems.length} more\n`);
    return;
  }
  const p = check.preview!;
  printTable(
    p.firstUsers.flatMap((u) =>
      u.rows.map((r) => ({
        line: r.line,
        user: `${u.userId} ${u.email}`,
        type: r.type,
        points: formatSignedPoints(r.points),
        description: r.description,
        'balance now → after': `${u.balanceNow} → ${u.balanceAfter}`,
      })),
    ),
    ['line', 'user', 'type', 'points', 'description', 'balance now → after'],
  );
  process.stdout.write('\n');
  printFields({
    file: `${check.fileName} (${check.bytes} bytes, sha256 ${check.sha256.slice(0, 16)}…)`,
    rows: p.rows,
    users: p.users,
    'points credited': `+${p.pointsCredited}`,
    'points debited': `-${p.pointsDebited}`,
    'by type': p.byType.map((t) => `${t.type} ${t.rows} rows ${formatSignedPoints(t.points)}`).join('; '),
    'already applied (replay)': p.alreadyApplied,
  });
}

function printImport(i: GrantImport): void {
  printFields({
    import: i.importId,
    status: i.status,
    rows: `${i.rows} (applied ${i.rowsApplied}, replayed ${i.rowsReplayed}, refused ${i.rowsRefused})`,
    users: i.users,
    points: `+${i.pointsCredited} / -${i.pointsDebited}`,
    result: `pointkeeper grants result ${i.importId} --out result.csv`,
    'operations log': 'pointkeeper log --action grants.',
  });
}

/** Check and preview; apply only with --yes. A file with any problem is refused whole. */
async function runImport(file: string, o: ImportOpts): Promise<void> {
  if (o.dryRun && o.yes) throw new CliExit(EXIT.USAGE, 'error: --dry-run and --yes contradict each other');
  if (o.request !== undefined && !o.yes)
    throw new CliExit(EXIT.USAGE, 'error: --request stages the file and files a request: add --yes');
  const path = resolve(file);
  await withCli(async (cli) => {
    const check = o.yes
      ? await cli.call('grants.import', { path })
      : await cli.call('grants.check', { path });
    if (check.problemCount > 0) {
      if (o.json) printJson(check);
      else printCheck(check);
      throw new CliExit(
        EXIT.REFUSED,
        `error [VALIDATION]: ${check.problemCount} problem(s) in ${check.fileName}; nothing was written.`,
        {
          code: 'VALIDATION',
          detail: `${check.problemCount} problem(s); nothing was written`,
          reported: o.json,
        },
      );
    }
    if (!o.yes) {
      if (o.json) printJson(check);
      else printCheck(check);
      if (o.dryRun) return;
      throw new CliExit(
        EXIT.PREVIEW,
        'Nothing was changed: this was a preview. Run the same command with --yes to apply it.',
      );
    }
    if (o.request !== undefined) {
      const asked = await cli.call('grants.request', { importId: check.importId!, reason: o.request });
      if (o.json) return printJson({ check, request: asked });
      printCheck(check);
      process.stdout.write('\n');
      printFields({ request: asked.requestId, state: asked.state, expires: asked.expiresAt });
      process.stdout.write(`Once another login approves it: pointkeeper grants resume ${check.importId!}\n`);
      return;
    }
    const done = await cli.call('grants.apply', { importId: check.importId!, chunkRows: o.chunk });
    if (o.json) return printJson({ check, import: done });
    printCheck(check);
    process.stdout.write('\n');
    printImport(done);
  });
}

export function grantsCommand(program: Command): void {
  const grants = program.command('grants').description('Bulk point grants from a CSV file');
  grants
    .command('import')
    .description(
      'Check and preview a grant CSV; with --yes, apply it (columns: user, points, description, type, order id, key)',
    )
    .argument('<file.csv>', 'the grant file')
    .option('--dry-run', 'only check and preview')
    .option('--yes', 'apply without asking')
    .option('--chunk <rows>', 'rows per transaction (1–50000)', wholeNumber, 5000)
    .option('--request <reason>', 'with --yes: stage the file and ask for approval instead of applying it')
    .option('--json', 'print JSON')
    .action((file: string, o: ImportOpts) => runImport(file, o));
  grants
    .command('show')
    .description("An import's state and counts")
    .argument('<id>', 'the import id')
    .option('--json', 'print JSON')
    .action((id: string, o: { json?: boolean }) =>
      withCli(async (cli) => {
        const found = await cli.call('grants.get', { importId: id });
        if (o.json) printJson(found);
        else printImport(found);
      }),
    );
  grants
    .command('resume')
    .description('Apply the rest of an import that was cancelled or cut off (each row applies once)')
    .argument('<id>', 'the import id')
    .option('--json', 'print JSON')
    .action((id: string, o: { json?: boolean }) =>
      withCli(async (cli) => {
        const done = await cli.call('grants.apply', { importId: id });
        if (o.json) printJson(done);
        else printImport(done);
      }),
    );
  grants
    .command('list')
    .description('The latest grant imports')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withCli(async (cli) => {
        const { imports } = await cli.call('grants.list', { limit: 20 });
        if (o.json) return printJson(imports);
        printTable(
          imports.map((i) => ({ ...i, applied: `${i.rowsApplied + i.rowsReplayed}/${i.rows}` })),
          ['importId', 'createdAt', 'createdBy', 'fileName', 'status', 'applied', 'rowsRefused'],
        );
      }),
    );
  grants
    .command('result')
    .description("Write an import's result CSV: every row with its outcome")
    .argument('<id>', 'the import id')
    .requiredOption('--out <file.csv>', 'where to write it')
    .option('--json', 'print JSON')
    .action((id: string, o: { out: string; json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('grants.result', { importId: id, path: resolve(o.out) });
        if (o.json) printJson(r);
        else process.stdout.write(`Wrote ${r.rows} rows to ${r.path}\n`);
      }),
    );
  grants
    .command('template')
    .description('Write a template grant CSV')
    .requiredOption('--out <file.csv>', 'where to write it')
    .action((o: { out: string; json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('grants.template', { path: resolve(o.out) });
        if (o.json) printJson(r);
        else process.stdout.write(`Wrote the template to ${r.path}\n`);
      }),
    );
}
