import type { Command } from 'commander';
import { formatCount, formatDuration } from '../../../shared/format';
import { printFields, printJson } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, withCli } from '../runtime';

interface DemoOptions {
  users: number;
  transactions: number;
  discrepancies: number;
  seed?: number;
  append?: boolean;
  json?: boolean;
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('Create realistic, consistent demo data (K users with broken copies for audit demos)')
    .option('--users <n>', 'users to create', wholeNumber, 1000)
    .option('--transactions <m>', 'transactions to create, about', wholeNumber, 10_000)
    .option('--discrepancies <k>', 'users whose derived copies are broken on purpose', wholeNumber, 0)
    .option('--seed <s>', 'the same seed gives the same data (history ending 2026-12-01)', wholeNumber)
    .option('--append', 'add to a database that already has users (refused without it)')
    .option('--json', 'print JSON')
    .action((opts: DemoOptions) =>
      withCli(
        async (cli) => {
          // Run twice by mistake, demo silently doubled the data (issue 18): ask for intent.
          if (!opts.append && !(await cli.call('demo.status', {})).empty) {
            throw new CliExit(
              1,
              'error [CONFLICT]: this database already has users; demo adds more only with --append.',
            );
          }
          const result = await cli.call('demo.generate', {
            users: opts.users,
            transactions: opts.transactions,
            discrepancies: opts.discrepancies,
            ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          });
          if (opts.json) return printJson(result);
          printFields({
            users: formatCount(result.users),
            transactions: formatCount(result.transactions),
            orders: formatCount(result.orders),
            redemptions: formatCount(result.redemptions),
            'user ids':
              result.firstUserId === null
                ? 'none'
                : `${result.firstUserId}–${result.lastUserId ?? result.firstUserId}`,
            discrepancies:
              result.discrepancies.length === 0
                ? 'none (--discrepancies K breaks K users on purpose)'
                : result.discrepancies.map((d) => `${d.userId}:${d.kind}`).join(', '),
            took: formatDuration(result.seconds * 1000),
          });
        },
        { migrate: true },
      ),
    );
}
