import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKnex, type PgConnection } from '../../src/main/db/knex';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (CI installs postgresql-15; see .ci/run). */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why the replication tests cannot run here, or null when they can. */
export function replicationUnavailable(): string | null {
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) {
    if (!existsSync(join(PG_BIN, tool)))
      return `${join(PG_BIN, tool)} is missing: install Debian's postgresql-15 to run the replica tests.`;
  }
  return null;
}

export interface Replication {
  /** Superuser (trust on loopback) connections to the `postgres` database of each server. */
  primary: PgConnection;
  standby: PgConnection;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The server tools refuse to run as root: as root they run as the postgres OS user. */
async function asPostgres(base: string, tool: string, args: string[]): Promise<string> {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]]
    : [join(PG_BIN, tool), args];
  try {
    const { stdout } = await run(file, argv, { cwd: base, timeout: 120_000 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${tool} failed: ${e.stderr || e.message}`);
  }
}

async function ownedFolder(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'pk-replication-'));
  // 755: the postgres OS user must enter it; its data folders below are its own (0700).
  await chmod(base, 0o755);
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(base, Number(stdout.trim()), Number(gid.trim()));
  }
  return base;
}

async function waitForStreaming(primary: PgConnection, timeoutMs = 60_000): Promise<void> {
  const knex = createKnex(primary, 1);
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = (await knex.raw(
        `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`,
      )) as { rows: Array<{ n: number }> };
      if (r.rows[0]!.n > 0) return;
      if (Date.now() > until) throw new Error('The standby did not start streaming within 60 s.');
      await new Promise((r2) => setTimeout(r2, 200));
    }
  } finally {
    await knex.destroy();
  }
}

/**
 * Two PostgreSQL 15 clusters on loopback in streaming replication: a primary made by initdb
 * (wal_level=replica, max_wal_senders) and a hot standby made from it by `pg_basebackup -R`,
 * each on a free port. Resolves once the standby streams; stop() stops both and deletes them.
 */
export async function startReplication(): Promise<Replication> {
  const base = await ownedFolder();
  const primaryDir = join(base, 'primary');
  const standbyDir = join(base, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const stop = async () => {
    for (const dir of started.reverse())
      await asPostgres(base, 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  const start = async (dir: string, port: number) => {
    await asPostgres(base, 'pg_ctl', ['-D', dir, '-l', `${dir}.log`, '-o', `-p ${port}`, '-w', 'start']);
    started.push(dir);
  };
  try {
    await asPostgres(base, 'initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await appendFile(
      join(primaryDir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${base}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'hot_standby = on',
        // A test server: losing it on a crash costs nothing, and fsync costs seconds per test.
        'fsync = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    await start(primaryDir, primaryPort);
    await asPostgres(base, 'pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast'],
    ]);
    await start(standbyDir, standbyPort);
    const server = (port: number): PgConnection => ({
      host: '127.0.0.1',
      port,
      database: 'postgres',
      user: 'postgres',
      ssl: false,
    });
    await waitForStreaming(server(primaryPort));
    return { primary: server(primaryPort), standby: server(standbyPort), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the standby has replayed everything the primary has written so far. */
export async function caughtUp(primary: PgConnection, standby: PgConnection, timeoutMs = 30_000) {
  const p = createKnex(primary, 1);
  const s = createKnex(standby, 1);
  try {
    const lsn = (
      (await p.raw('SELECT pg_current_wal_lsn()::text AS lsn')) as { rows: Array<{ lsn: string }> }
    ).rows[0]!.lsn;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = (await s.raw('SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn AS done', [lsn])) as {
        rows: Array<{ done: boolean }>;
      };
      if (r.rows[0]!.done) return;
      if (Date.now() > until) throw new Error(`The standby did not replay up to ${lsn} in time.`);
      await new Promise((r2) => setTimeout(r2, 100));
    }
  } finally {
    await Promise.all([p.destroy(), s.destroy()]);
  }
}
