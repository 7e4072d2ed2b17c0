import { Option, type Command } from 'commander';
import { CREDIT_TYPES, TRANSACTION_TYPES } from '../../../shared/contract/points';
import { formatSignedPoints } from '../../../shared/format';
import { printJson, printTable } from '../output';
import { amount, wholeNumber } from '../parse';
import { withCli } from '../runtime';

interface WriteOpts {
  user: number;
  points: number;
  description: string;
  key?: string;
  json?: boolean;
}

function say(json: boolean | undefined, data: { message: string }): void {
  if (json) printJson(data);
  else process.stdout.write(`${data.message}\n`);
}

export function pointsCommands(program: Command): void {
  program
    .command('earn')
    .description('Credit points to a user (1–10,000), atomically and at most once per --key')
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .requiredOption('--points <n>', 'points to credit', wholeNumber)
    .requiredOption('--description <text>', 'why the points are credited')
    .option('--order <id>', 'the order that earned them', wholeNumber)
    .option('--order-amount <amount>', 'the order amount', amount)
    .addOption(new Option('--type <type>', 'credit type').choices(CREDIT_TYPES).default('earned'))
    .option('--key <idempotencyKey>', 'repeat-safe key: the same key again replays the first answer')
    .option('--json', 'print the JSON response')
    .action((o: WriteOpts & { order?: number; orderAmount?: number; type: (typeof CREDIT_TYPES)[number] }) =>
      withCli(async (cli) => {
        const r = await cli.call('points.earn', {
          userId: o.user,
          points: o.points,
          description: o.description,
          type: o.type,
          ...(o.order !== undefined ? { orderId: o.order } : {}),
          ...(o.orderAmount !== undefined ? { orderAmount: o.orderAmount } : {}),
          ...(o.key !== undefined ? { idempotencyKey: o.key } : {}),
        });
        say(o.json, r);
      }),
    );
  program
    .command('redeem')
    .description('Debit points from a user, never below zero; --reward must cost exactly --points')
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .requiredOption('--points <n>', 'points to redeem', wholeNumber)
    .requiredOption('--description <text>', 'what the points pay for')
    .option('--reward <id>', 'catalogue reward redeemed', wholeNumber)
    .option('--key <idempotencyKey>', 'repeat-safe key: the same key again replays the first answer')
    .option('--json', 'print the JSON response')
    .action((o: WriteOpts & { reward?: number }) =>
      withCli(async (cli) => {
        const r = await cli.call('points.redeem', {
          userId: o.user,
          points: o.points,
          description: o.description,
          ...(o.reward !== undefined ? { rewardId: o.reward } : {}),
          ...(o.key !== undefined ? { idempotencyKey: o.key } : {}),
        });
        say(o.json, r);
      }),
    );
  program
    .command('reverse')
    .description('Cancel a transaction with a linked adjustment (once; refused if the points were spent)')
    .requiredOption('--transaction <id>', 'transaction to reverse', wholeNumber)
    .requiredOption('--reason <text>', 'why it is reversed')
    .option('--json', 'print the JSON response')
    .action((o: { transaction: number; reason: string; json?: boolean }) =>
      withCli(async (cli) =>
        say(o.json, await cli.call('points.reverse', { transactionId: o.transaction, reason: o.reason })),
      ),
    );
  program
    .command('history')
    .description("A user's transactions, newest first")
    .requiredOption('--user <id>', 'user id', wholeNumber)
    .addOption(new Option('--type <type...>', 'only these types').choices(TRANSACTION_TYPES))
    .option('--from <iso>', 'from this moment (ISO 8601)')
    .option('--to <iso>', 'up to this moment (ISO 8601)')
    .option('--limit <n>', 'rows per page (1–500)', wholeNumber, 50)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .option('--json', 'print JSON')
    .action(
      (o: {
        user: number;
        type?: Array<(typeof TRANSACTION_TYPES)[number]>;
        from?: string;
        to?: string;
        limit: number;
        cursor?: string;
        json?: boolean;
      }) =>
        withCli(async (cli) => {
          const page = await cli.call('points.history', {
            userId: o.user,
            limit: o.limit,
            cursor: o.cursor ?? null,
            ...(o.type ? { types: o.type } : {}),
            ...(o.from ? { from: o.from } : {}),
            ...(o.to ? { to: o.to } : {}),
          });
          if (o.json) return printJson(page);
          printTable(
            page.items.map((t) => ({ ...t, points: formatSignedPoints(t.points) })),
            ['id', 'createdAt', 'type', 'points', 'description', 'reversedById'],
          );
          if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
        }),
    );
}
