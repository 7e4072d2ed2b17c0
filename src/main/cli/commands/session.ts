import type { Command } from 'commander';
import { printFields, printJson } from '../output';
import { withCli } from '../runtime';
import type { ServersStatus } from '../../../shared/contract';

function printServers(s: ServersStatus): void {
  process.stdout.write(`primary  ${s.primary} (every write)\n`);
  const r = s.replica;
  if (!r) return void process.stdout.write('replica  none: reports read on the primary\n');
  const lag =
    r.lagSeconds === null
      ? `unreachable (${r.message ?? 'no answer'})`
      : `lag ${r.lagSeconds.toFixed(1)} s, ${r.lagBytes} bytes`;
  const paused = r.replayPaused ? ', replay paused' : '';
  const state = r.state === 'lagging' ? ` — over the ${r.maxLagSeconds} s bound: reports are refused` : '';
  process.stdout.write(`replica  ${r.server} (${lag}${paused}, bound ${r.maxLagSeconds} s)${state}\n`);
}

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
  program
    .command('servers')
    .description("Show the primary and the reporting replica, with the replica's lag")
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(async (cli) => {
        const s = await cli.call('session.servers', {});
        if (opts.json) printJson(s);
        else printServers(s);
      }),
    );
  program
    .command('roles')
    .description("List this database's Pointkeeper roles and the logins that hold each")
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('session.roles', {});
        if (opts.json) return printJson(r);
        process.stdout.write(`database ${r.database} (objects owned by ${r.owner}, NOLOGIN)\n`);
        for (const role of r.roles) {
          const members = role.members.length ? role.members.join(', ') : '(no logins)';
          process.stdout.write(`${role.role.padEnd(9)} ${role.pgRole.padEnd(40)} ${members}\n`);
        }
        process.stdout.write(`Grant access with: GRANT ${r.roles[1]!.pgRole} TO <login>;\n`);
      }),
    );
}
