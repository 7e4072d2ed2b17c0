/**
 * The command line's start-up: `pointkeeper whoami` as the second of two consecutive calls on the
 * embedded database, where the first left the server to its keeper, beside the same call when
 * every command starts and stops its own server (POINTKEEPER_KEEP_ALIVE=0).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { row, type BenchRow } from './support';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..');
/** The built CLI when `npm run build` made one, else the command as `npm run cli` runs it. */
const entry = [join(root, 'out', 'cli', 'index.js'), join(root, 'bin', 'pointkeeper.mjs')].find((p) =>
  existsSync(p),
)!;

async function timed(home: string, keepAlive: string): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POINTKEEPER_HOME: home,
    POINTKEEPER_KEEP_ALIVE: keepAlive,
  };
  delete env.DATABASE_URL;
  const started = performance.now();
  await exec(process.execPath, [entry, 'whoami', '--json'], { env });
  return (performance.now() - started) / 1000;
}

async function secondOfTwo(keepAlive: string): Promise<number> {
  const home = await mkdtemp(join(tmpdir(), 'pointkeeper-bench-cli-'));
  await chmod(home, 0o755);
  try {
    await timed(home, keepAlive); // creates and migrates the database
    await timed(home, keepAlive);
    return await timed(home, keepAlive);
  } finally {
    await exec(process.execPath, [entry, 'db', 'stop'], {
      env: { ...process.env, POINTKEEPER_HOME: home, DATABASE_URL: '' },
    }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const kept = await secondOfTwo('60');
  const cold = await secondOfTwo('0');
  return [
    row({
      name: `pointkeeper whoami, second consecutive call (${entry.endsWith('.js') ? 'built' : 'tsx'})`,
      value: Math.round(kept * 100) / 100,
      unit: 's',
      reference: Math.round(cold * 100) / 100,
      referenceName: 'each call starting its own server',
      goal: '< 0.8 s',
    }),
  ];
}
