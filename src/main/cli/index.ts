import { createRequire } from 'node:module';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { backupCommand } from './commands/backup';
import { auditCommands } from './commands/audit';
import { dbCommand } from './commands/db';
import { demoCommand } from './commands/demo';
import { grantsCommand } from './commands/grants';
import { loadCommand } from './commands/load';
import { operationsCommand } from './commands/operations';
import { pointsCommands } from './commands/points';
import { recoveryCommands } from './commands/recovery';
import { sessionCommand } from './commands/session';
import { usersCommand } from './commands/users';
import { verifyCommand } from './commands/verify';
import { approvalsCommands } from './commands/approvals';
import { rewardsCommands } from './commands/rewards';
import { expiryCommands } from './commands/expiry';
import { CliExit, EXIT, programFlags } from './runtime';
import { KEEPER_ARG, runKeeper } from './keepAlive';
import { cliHome } from '../db/target';

/** This package's version: its package.json is three folders up from the sources, two from out/cli. */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = require(up) as { name?: string; version: string };
      if (pkg.name === 'pointkeeper') return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}
const VERSION = packageVersion();

export function buildProgram(output: OutputConfiguration = {}): Command {
  const program = new Command('pointkeeper')
    .description(
      'Pointkeeper: a loyalty-points ledger that never loses a point.\nDatabase: DATABASE_URL, else the embedded one in POINTKEEPER_HOME (~/.pointkeeper).',
    )
    .version(VERSION, '--version', 'print the version')
    .option('--profile <name>', "a connection profile saved in the app ('local': the embedded database)")
    .option('--json', 'machine-readable: one JSON document on stdout, errors included')
    .option('--overwrite', 'let a command replace an existing output file')
    .option(
      '--replica',
      "insist on the connection's reporting replica for reports (an error when it names none)",
    )
    .option('--no-replica', 'read everything from the primary, ignoring the reporting replica')
    // Set before the commands are added: subcommands copy it when they are created.
    .configureOutput(output)
    .exitOverride()
    .hook('preAction', (command, action) => {
      const { profile, json, overwrite, replica } = command.opts<{
        profile?: string;
        json?: boolean;
        overwrite?: boolean;
        replica?: boolean;
      }>();
      if (profile) process.env.POINTKEEPER_PROFILE = profile;
      if (replica !== undefined) process.env.POINTKEEPER_REPLICA = replica ? 'on' : 'off';
      programFlags.json = json === true || action.opts<{ json?: boolean }>().json === true;
      programFlags.overwrite = overwrite === true;
      // Commands read their own --json; the program-wide one counts for them too.
      if (programFlags.json) action.setOptionValue('json', true);
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
  grantsCommand(program);
  approvalsCommands(program);
  rewardsCommands(program);
  expiryCommands(program);
  for (const command of leaves(program)) {
    if (!command.options.some((o) => o.long === '--json')) command.option('--json', 'print JSON');
  }
  return program;
}

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
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

const firstLine = (text: string) =>
  text
    .trim()
    .split('\n')[0]!
    .replace(/^error:\s*/, '');

/**
 * Prints how a command failed: with --json as the one JSON document on stdout
 * (`{"success":false,"error":{"code","message"}}`), otherwise one line on stderr.
 */
function report(json: boolean, code: string, message: string, people: string, reported = false): void {
  if (json) {
    if (!reported) process.stdout.write(`${JSON.stringify({ success: false, error: { code, message } })}\n`);
  } else process.stderr.write(`${people}\n`);
}

const codeOf = (exitCode: number) =>
  exitCode === EXIT.USAGE ? 'USAGE' : exitCode === EXIT.PREVIEW ? 'PREVIEW' : 'ERROR';

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === KEEPER_ARG) return runKeeper(cliHome(), argv[1]);
  ignoreClosedStdout();
  // Known before parsing, so that a usage error is answered in JSON too.
  const json = argv.includes('--json');
  let said = '';
  const program = buildProgram({ outputError: (text) => (said += text) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.OK; // --help, --version
      const message = firstLine(said || error.message);
      report(json, 'USAGE', message, `error: ${message} (add --help for usage)`);
      return EXIT.USAGE;
    }
    if (error instanceof CliExit) {
      const { code, detail, reported } = error.options;
      // A preview in --json mode already printed its plan: that is the one document.
      const quiet = reported === true || (error.exitCode === EXIT.PREVIEW && json);
      if (json && quiet) process.stderr.write(`${error.message}\n`);
      report(json, code ?? codeOf(error.exitCode), detail ?? firstLine(error.message), error.message, quiet);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    report(json, 'INTERNAL', firstLine(message), `error [INTERNAL]: ${message}`);
    return EXIT.REFUSED;
  }
}
