import type { Command } from 'commander';
import { printFields, printJson } from '../output';
import { wholeNumber } from '../parse';
import { withCli } from '../runtime';

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('Create realistic, consistent demo data (K users with broken copies for audit demos)')
    .option('--users <n>', 'users to create', wholeNumber, 1000)
    .option('--transactions <m>', 'transactions to create, about', wholeNumber, 10_000)
    .option('--discrepancies <k>', 'users whose derived copies are broken on purpose', wholeNumber, 0)
    .option('--json', 'print JSON')
    .action((opts: { users: number; transactions: number; discrepancies: number; json?: boolean }) =>
      withCli(
        async (cli) => {
          const result = await cli.call('demo.generate', {
            users: opts.users,
            transactions: opts.transactions,
            discrepancies: opts.discrepancies,
          });
          if (opts.json) return printJson(result);
          const { discrepancies, ...counts } = result;
          printFields({
            ...counts,
            discrepancies: discrepancies.map((d) => `${d.userId}:${d.kind}`).join(', '),
          });
        },
        { migrate: true },
      ),
    );
}
