import type { Command } from 'commander';
import { printFields, printJson } from '../output';
import { withCli } from '../runtime';

export function sessionCommand(program: Command): void {
  program
    .command('whoami')
    .description('Show the server, database, login and role the CLI connects as')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(async (cli) => {
        const me = await cli.call('session.whoami', {});
        if (opts.json) printJson(me);
        else printFields({ ...me });
      }),
    );
}
