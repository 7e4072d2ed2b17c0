import { spawn } from 'node:child_process';
import { keepServerAlive } from '../db/embedded';
import { CliExit, EXIT } from './runtime';

/** The hidden argument that turns this program into the local server's keeper. */
export const KEEPER_ARG = '__keep-local-server';

const DEFAULT_SECONDS = 300;

/**
 * How long the local server outlives the last CLI call (POINTKEEPER_KEEP_ALIVE, seconds): starting
 * PostgreSQL is most of a short command's time, so consecutive calls share one running server.
 */
export function keepAliveSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.POINTKEEPER_KEEP_ALIVE?.trim();
  if (raw === undefined || raw === '') return DEFAULT_SECONDS;
  if (!/^\d{1,6}$/.test(raw))
    throw new CliExit(
      EXIT.USAGE,
      `error: POINTKEEPER_KEEP_ALIVE must be a whole number of seconds (0 stops the local database after each command), not "${raw}"`,
      { code: 'USAGE' },
    );
  return Number(raw);
}

/**
 * Starts a detached copy of this program as the keeper and resolves true once it holds the
 * server, false if it did not within a few seconds (the caller then stops the server itself).
 */
export function spawnKeeper(seconds: number): Promise<boolean> {
  const entry = process.argv[1];
  if (!entry) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, KEEPER_ARG, String(seconds)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: process.env,
    });
    let settled = false;
    const done = (held: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.unref();
      if (!held) child.kill();
      resolve(held);
    };
    const timer = setTimeout(() => done(false), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) done(true);
    });
    child.once('error', () => done(false));
    child.once('exit', () => done(false));
  });
}

/** The keeper's own run: holds the server until it has been idle for `seconds`. */
export async function runKeeper(home: string, seconds: string | undefined): Promise<number> {
  const idle = Number(seconds);
  if (!Number.isInteger(idle) || idle <= 0) return EXIT.USAGE;
  await keepServerAlive(home, idle, () => process.stdout.write('ready\n'));
  return EXIT.OK;
}
