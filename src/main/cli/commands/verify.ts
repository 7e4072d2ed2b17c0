import type { Command } from 'commander';
import { printJson, printTable } from '../output';
import { CliExit, withCli } from '../runtime';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Check every ledger invariant; exit 1 if any is broken')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withCli(async (cli) => {
        const report = await cli.call('verify.ledger', {});
        if (o.json) printJson(report);
        else {
          printTable(
            report.checks.map((c) => ({
              check: c.name,
              result: c.ok ? 'ok' : `FAILED (${c.failures})`,
              detail: c.detail,
            })),
            ['check', 'result', 'detail'],
          );
          for (const c of report.checks.filter((x) => !x.ok))
            process.stdout.write(
              `\n${c.name} — for example:\n${c.examples.map((e) => `  ${JSON.stringify(e)}`).join('\n')}\n`,
            );
        }
        if (!report.ok)
          throw new CliExit(1, 'error: the ledger breaks at least one invariant (see above).', {
            reported: o.json === true,
          });
      }),
    );
}
