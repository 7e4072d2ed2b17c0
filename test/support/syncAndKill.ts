import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PgConnection } from '../../src/main/db/knex';

/**
 * Runs sync --all (test/fixtures/sync-all.ts) in a child process against `connection` and
 * SIGKILLs it once `chunks` chunks have committed; resolves with the last chunk it reported.
 * The next chunk's transaction is already under way when the kill lands, so it dies mid-chunk.
 */
export function syncAndKill(connection: PgConnection, runId: string, chunks: number): Promise<number> {
  const { user, password, host, port, database } = connection;
  const url = `postgres://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'sync-all.ts')],
    {
      env: { ...process.env, DATABASE_URL: url, RUN_ID: runId },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        const m = /^chunk (\d+)$/.exec(line);
        if (m) seen = Number(m[1]);
        if (line === 'done') reject(new Error('the sync finished before it could be killed'));
      }
      if (seen >= chunks && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the sync exited (${signal ?? code})`)),
    );
  });
}
