import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ExportResult, InspectResult, TableCounts } from '../../../shared/contract/backup';
import { printFields, printJson } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, withCli } from '../runtime';

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
        if (r.problem) throw new CliExit(1, `error [VALIDATION]: ${r.problem}`);
      }),
    );
}
