import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PgConnection } from '../../src/main/db/knex';

const run = promisify(execFile);

/** The installed command, as `npm run cli` and a user's shell run it. */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pointkeeper.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pointkeeper <args>` in a child process with this process's environment changed by `env`
 * (an undefined value removes the variable), and returns its exit code and output.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env: childEnv, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A connection as a DATABASE_URL. */
export const databaseUrl = (
  c: Pick<PgConnection, 'user' | 'password' | 'host' | 'port' | 'database'>,
): string =>
  `postgres://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password ?? '')}@${c.host}:${c.port}/${c.database}`;
