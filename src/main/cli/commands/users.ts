import type { Command } from 'commander';
import { formatPoints } from '../../../shared/format';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { withCli } from '../runtime';

export function usersCommand(program: Command): void {
  const users = program.command('users').description('Look users up');
  users
    .command('search <query>')
    .description('Find users by id, email prefix or name prefix')
    .option('--limit <n>', 'results per page (1–500)', wholeNumber, 50)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .option('--json', 'print JSON')
    .action((query: string, opts: { limit: number; cursor?: string; json?: boolean }) =>
      withCli(async (cli) => {
        const page = await cli.call('users.search', {
          query,
          limit: opts.limit,
          cursor: opts.cursor ?? null,
        });
        if (opts.json) return printJson(page);
        printTable(
          page.items.map((u) => ({ ...u, points: u.points === null ? null : formatPoints(u.points) })),
          ['id', 'name', 'email', 'points'],
        );
        if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
      }),
    );
  users
    .command('get <userId>')
    .description('Show one user with balance, lifetime totals and the legacy rewards copy')
    .option('--json', 'print JSON')
    .action((userId: string, opts: { json?: boolean }) =>
      withCli(async (cli) => {
        const user = await cli.call('users.get', { userId: wholeNumber(userId) });
        if (opts.json) printJson(user);
        else printFields({ ...user });
      }),
    );
}
