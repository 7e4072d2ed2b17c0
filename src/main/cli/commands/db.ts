import type { Command } from 'commander';
import { stopLocalServer } from '../../db/embedded';
import { migrateLatest, pendingMigrations, rollbackLast } from '../../db/migrate';
import { cliHome, resolveTarget } from '../../db/target';
import { printJson } from '../output';
import { CliExit, EXIT, withCli } from '../runtime';

/**
 * The schema commands are not contract calls: they need the database's owner (or a superuser),
 * which no staff role of the registry is. What the registry would give them — a record of who did
 * it — src/main/db/migrate.ts writes itself, for every door that migrates, as recorded actions no
 * staff login can forge (migration 450).
 */
export function dbCommand(program: Command): void {
  const db = program.command('db').description('Schema migrations and the local database server');
  db.command('stop')
    .description(
      'Stop the local database now (it otherwise stops POINTKEEPER_KEEP_ALIVE seconds after the last command)',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const target = resolveTarget(cliHome());
      if (target.kind !== 'embedded' || process.env.POINTKEEPER_PROFILE)
        throw new CliExit(
          EXIT.USAGE,
          'error: db stop stops the local database only; unset DATABASE_URL and --profile',
          {
            code: 'USAGE',
          },
        );
      const stopped = await stopLocalServer(target.home);
      if (opts.json) printJson({ stopped });
      else
        process.stdout.write(
          stopped ? 'stopped the local database\n' : 'the local database was not running\n',
        );
    });
  db.command('migrate')
    .description('Apply pending migrations (needs the database owner)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(
        async ({ session }) => {
          const applied = await migrateLatest(session.knex);
          if (opts.json) printJson({ applied });
          else
            process.stdout.write(
              applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n',
            );
        },
        { migrate: true },
      ),
    );
  db.command('rollback')
    .description('Undo the last batch of migrations')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(
        async ({ session }) => {
          const undone = await rollbackLast(session.knex);
          if (opts.json) return printJson({ rolledBack: undone });
          process.stdout.write(
            undone.length ? `rolled back: ${undone.join(', ')}\n` : 'nothing to roll back\n',
          );
        },
        { migrate: false, requireSchema: false },
      ),
    );
  db.command('status')
    .description('List pending migrations')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCli(
        async ({ session }) => {
          const pending = await pendingMigrations(session.knex);
          if (opts.json) printJson({ pending, whoami: session.whoami });
          else process.stdout.write(pending.length ? `pending: ${pending.join(', ')}\n` : 'up to date\n');
        },
        { migrate: false, requireSchema: false },
      ),
    );
}
