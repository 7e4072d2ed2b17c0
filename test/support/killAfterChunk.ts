import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PgConnection } from '../../src/main/db/knex';
import { databaseUrl } from './cli';

/**
 * Runs a chunked job's fixture (test/fixtures/<fixture>.ts, which prints `chunk N` after each
 * committed chunk and `done …` or `refused …` at its end) in a child process, and SIGKILLs it
 * once it has reported `after`; resolves with the last count it reported. The next chunk's
 * transaction is already under way when the kill lands, so the job dies mid-chunk.
 */
export function killAfterChunk(fixture: string, env: Record<string, string>, after: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', `${fixture}.ts`)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        const m = /^chunk (\d+)$/.exec(line);
        if (m) seen = Number(m[1]);
        if (line.startsWith('done') || line.startsWith('refused'))
          reject(new Error(`${fixture} finished before it could be killed: ${line}`));
      }
      if (seen >= after && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`${fixture} exited (${signal ?? code})`)),
    );
  });
}

/** sync --all (test/fixtures/sync-all.ts) against `connection`, killed once `chunks` chunks committed. */
export function syncAndKill(connection: PgConnection, runId: string, chunks: number): Promise<number> {
  return killAfterChunk('sync-all', { DATABASE_URL: databaseUrl(connection), RUN_ID: runId }, chunks);
}
