import { Command, CommanderError } from 'commander';
import { backupCommand } from './commands/backup';
import { auditCommands } from './commands/audit';
import { dbCommand } from './commands/db';
import { demoCommand } from './commands/demo';
import { loadCommand } from './commands/load';
import { operationsCommand } from './commands/operations';
import { pointsCommands } from './commands/points';
import { recoveryCommands } from './commands/recovery';
import { sessionCommand } from './commands/session';
import { usersCommand } from './commands/users';
import { verifyCommand } from './commands/verify';
import { CliExit } from './runtime';

export function buildProgram(): Command {
  const program = new Command('pointkeeper')
    .description(
      'Pointkeeper: a loyalty-points ledger that never loses a point.\nDatabase: DATABASE_URL, else the embedded one in POINTKEEPER_HOME (~/.pointkeeper).',
    )
    .option('--profile <name>', "a connection profile saved in the app ('local': the embedded database)")
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (command) => {
      const { profile } = command.opts<{ profile?: string }>();
      if (profile) process.env.POINTKEEPER_PROFILE = profile;
    });
  sessionCommand(program);
  usersCommand(program);
  pointsCommands(program);
  operationsCommand(program);
  auditCommands(program);
  demoCommand(program);
  loadCommand(program);
  verifyCommand(program);
  backupCommand(program);
  recoveryCommands(program);
  dbCommand(program);
  return program;
}

/**
 * `pointkeeper scan | head`: the reader may go away early. Its EPIPE must not crash the command
 * before it closes its session (and stops an embedded server it started); later output is dropped.
 */
function ignoreClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export async function main(argv: string[]): Promise<number> {
  ignoreClosedStdout();
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliExit) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error [INTERNAL]: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
