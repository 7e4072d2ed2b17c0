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
