import type { Command } from 'commander';
import { printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { withCli } from '../runtime';

const REDEMPTION_COLUMNS = ['id', 'rewardName', 'pointsSpent', 'status', 'createdAt', 'expiresAt', 'usedAt'];

/** The rewards catalogue and a user's redemptions: the calls the user page shows. */
export function rewardsCommands(program: Command): void {
  program
    .command('rewards')
    .description('The rewards catalogue')
    .option('--all', 'include inactive rewards')
    .option('--json', 'print JSON')
    .action((o: { all?: boolean; json?: boolean }) =>
      withCli(async (cli) => {
        const rewards = await cli.call('rewards.list', { includeInactive: o.all === true });
        if (o.json) return printJson(rewards);
        printTable(
          rewards.map((r) => ({ ...r })),
          ['id', 'name', 'cost', 'validityDays', 'active'],
        );
      }),
    );
  program
    .command('redemptions')
    .description("A user's reward redemptions with their status")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .option('--json', 'print JSON')
    .action((o: { user: number; json?: boolean }) =>
      withCli(async (cli) => {
        const list = await cli.call('redemptions.list', { userId: o.user });
        if (o.json) return printJson(list);
        printTable(
          list.map((r) => ({ ...r })),
          REDEMPTION_COLUMNS,
        );
      }),
    );
  program
    .command('redemption-used')
    .description('Mark an active redemption as used')
    .requiredOption('--id <redemptionId>', 'redemption id', wholeNumber)
    .option('--json', 'print JSON')
    .action((o: { id: number; json?: boolean }) =>
      withCli(async (cli) => {
        const used = await cli.call('redemptions.markUsed', { redemptionId: o.id });
        if (o.json) return printJson(used);
        printTable([{ ...used }], REDEMPTION_COLUMNS);
      }),
    );
}
