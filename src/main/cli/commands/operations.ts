import { Option, type Command } from 'commander';
import { printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { withCli } from '../runtime';

export function operationsCommand(program: Command): void {
  program
    .command('log')
    .description('The operations log, newest first: who did what and how it ended')
    .option('--action <prefix>', 'only calls whose name starts with this, e.g. points. or backup.')
    .option('--actor <login>', 'only this PostgreSQL login')
    .addOption(new Option('--outcome <outcome>', 'only successes or failures').choices(['ok', 'error']))
    .option('--limit <n>', 'rows per page (1–500)', wholeNumber, 50)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .option('--json', 'print JSON')
    .action(
      (o: {
        action?: string;
        actor?: string;
        outcome?: 'ok' | 'error';
        limit: number;
        cursor?: string;
        json?: boolean;
      }) =>
        withCli(async (cli) => {
          const page = await cli.call('operations.list', {
            limit: o.limit,
            cursor: o.cursor ?? null,
            ...(o.action ? { actionPrefix: o.action } : {}),
            ...(o.actor ? { actor: o.actor } : {}),
            ...(o.outcome ? { outcome: o.outcome } : {}),
          });
          if (o.json) return printJson(page);
          printTable(
            page.items.map((e) => ({ ...e, input: JSON.stringify(e.input).slice(0, 60) })),
            ['id', 'at', 'actor', 'action', 'outcome', 'errorCode', 'input'],
          );
          if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
        }),
    );
}
