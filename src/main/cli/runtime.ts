import { createDispatcher, type Dispatcher } from '../api/registry';
import { handlers } from '../api/handlers/index';
import { openSession, type Session, type OpenOptions } from '../db/session';
import { cliHome, resolveTarget, withReplicaChoice } from '../db/target';
import { profileTarget } from '../desktop/profileByName';
import { AppError } from '../errors';
import type { Progress } from '../api/types';
import type { CallName, CallInput, CallOutput } from '../../shared/contract';
import { interruptSignal } from './interrupt';
import { keepAliveSeconds, spawnKeeper } from './keepAlive';
import { progressBar } from './progress';

/** The documented exit codes (README, "The command line"). */
export const EXIT = {
  OK: 0,
  /** The ledger or the database refused, or something failed: nothing was applied. */
  REFUSED: 1,
  /** The command line itself is wrong: unknown or missing option, a malformed value. */
  USAGE: 2,
  /** A preview was printed and nothing was applied (add --yes to apply). */
  PREVIEW: 3,
} as const;

export interface CliExitOptions {
  /** The error code for --json (default from the exit code: USAGE, PREVIEW or ERROR). */
  code?: string;
  /** The message for --json, without the "error [CODE]:" prefix people read. */
  detail?: string;
  /** The command already printed its one JSON document (a report that failed a check). */
  reported?: boolean;
}

export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly options: CliExitOptions = {},
  ) {
    super(message);
  }
}

/** Flags of the whole program, set before a command runs (see index.ts). */
export const programFlags = { json: false, overwrite: false };

/** Calls that write a file the CLI's user named: --overwrite lets them replace one. */
const FILE_CALLS: ReadonlySet<CallName> = new Set<CallName>([
  'report.export',
  'backup.export',
  'grants.result',
  'grants.template',
]);

/** The profile's or DATABASE_URL's target, its replica as --replica/--no-replica say. */
async function replicaTarget(profile: string | undefined) {
  try {
    return withReplicaChoice(profile ? await profileTarget(cliHome(), profile) : resolveTarget(cliHome()));
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliExit(EXIT.USAGE, `error: ${message}`, { detail: message });
  }
}

export interface Cli {
  session: Session;
  /** The raw dispatcher, for tools (like `load`) that judge each Result themselves. */
  dispatch: Dispatcher;
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
}

/**
 * Opens the database the CLI is pointed at (DATABASE_URL, else the embedded one in
 * POINTKEEPER_HOME), runs `fn`, and always closes — stopping the embedded server we started.
 */
export async function withCli<T>(fn: (cli: Cli) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const interrupt = interruptSignal();
  let session: Session;
  try {
    // --profile (set as POINTKEEPER_PROFILE by the program) picks a profile saved in the app.
    const profile = process.env.POINTKEEPER_PROFILE?.trim();
    const target = await replicaTarget(profile);
    // One quiet line about the local database (created, started), none with --json: the answer
    // is what the person asked for, and scripts read stdout alone.
    const notes: string[] = [];
    const keepAlive = keepAliveSeconds();
    // The last call out leaves the local server to a keeper, except after Ctrl-C: then it stops.
    const handOff =
      keepAlive > 0
        ? () => (interrupt.signal.aborted ? Promise.resolve(false) : spawnKeeper(keepAlive))
        : undefined;
    session = await openSession(target, { log: (l) => notes.push(l), handOff, ...options });
    if (notes.length > 0 && !process.argv.includes('--json')) process.stderr.write(`${notes.join('; ')}\n`);
  } catch (error) {
    interrupt.dispose();
    if (error instanceof CliExit) throw error;
    if (error instanceof AppError)
      throw new CliExit(EXIT.REFUSED, `error [${error.code}]: ${error.message}`, {
        code: error.code,
        detail: error.message,
      });
    throw error;
  }
  const dispatch: Dispatcher = createDispatcher(handlers, () => session);
  const cli: Cli = {
    session,
    dispatch,
    async call(name, input) {
      const bar = progressBar();
      const asked = FILE_CALLS.has(name) && programFlags.overwrite ? { ...input, overwrite: true } : input;
      const result = await dispatch(name, asked, {
        signal: interrupt.signal,
        onProgress: (p: Progress) => bar.update(p),
      });
      bar.stop();
      if (!result.ok)
        throw new CliExit(EXIT.REFUSED, `error [${result.error.code}]: ${result.error.message}`, {
          code: result.error.code,
          detail: result.error.message,
        });
      return result.data as CallOutput<typeof name>;
    },
  };
  try {
    return await fn(cli);
  } finally {
    await session.close();
    interrupt.dispose();
  }
}
