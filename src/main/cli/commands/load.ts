import type { Command } from 'commander';
import { runLoad, type LoadReport } from '../../load/workload';
import { printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, withCli } from '../runtime';

function printReport(r: LoadReport): void {
  process.stdout.write(
    `${r.operations} operations from ${r.clients} clients in ${r.seconds} s: ${r.opsPerSecond} ops/s\n\n`,
  );
  printTable(
    Object.entries(r.byKind).map(([kind, f]) => ({ kind, ...f })),
    ['kind', 'count', 'ok', 'refused', 'failed', 'p50Ms', 'p95Ms', 'p99Ms'],
  );
  process.stdout.write(
    `\npoints: the successful calls changed ${r.points.expectedChange}; balances changed ${r.points.balanceChange}; the log changed ${r.points.logChange}\n` +
      `duplicated submissions: ${r.duplicateSubmissions}, extra rows written: ${r.duplicateRowsWritten}\n` +
      `users with lost or duplicated points: ${r.lostOrDuplicatedUsers.length}\n`,
  );
  for (const e of r.errors) process.stdout.write(`error: ${e}\n`);
}

export function loadCommand(program: Command): void {
  program
    .command('load')
    .description(
      'Run a bounded mixed workload (earn, redeem, reverse, history, audit) from concurrent clients and reconcile every point',
    )
    .option('--clients <n>', 'concurrent callers', wholeNumber, 16)
    .option('--operations <n>', 'operations in all', wholeNumber, 5_000)
    .option(
      '--users <n>',
      'how many users (the lowest ids) share the load; fewer means more contention',
      wholeNumber,
      50,
    )
    .option('--seed <n>', 'seed for the choices, to repeat a run', wholeNumber, 1)
    .option('--json', 'print JSON')
    .action((o: { clients: number; operations: number; users: number; seed: number; json?: boolean }) => {
      if (o.clients < 1 || o.clients > 200) throw new CliExit(2, 'error: --clients must be 1–200.');
      if (o.users < 1) throw new CliExit(2, 'error: --users must be at least 1.');
      return withCli(
        async (cli) => {
          const db = cli.session.knex;
          const ids = (await db('users').orderBy('id').limit(o.users).pluck('id')) as number[];
          if (ids.length === 0)
            throw new CliExit(1, 'error: there are no users: run `pointkeeper demo` first.');
          const report = await runLoad(db, cli.dispatch, {
            clients: o.clients,
            operations: o.operations,
            userIds: ids,
            seed: o.seed,
          });
          if (o.json) printJson(report);
          else printReport(report);
          const failed = Object.values(report.byKind).reduce((s, f) => s + f.failed, 0);
          if (report.lostOrDuplicatedUsers.length || report.duplicateRowsWritten || failed)
            throw new CliExit(1, 'error: the load run lost, duplicated or failed operations (see above).');
        },
        { poolMax: o.clients + 2 },
      );
    });
}
