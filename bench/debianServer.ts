/**
 * A scratch cluster of Debian's packaged PostgreSQL with its default settings: the second server
 * every bench goal must hold on. The embedded server is tuned by us; a stock server (parallel
 * aggregation, JIT on, 4 MB work_mem) plans the same SQL differently, so a figure measured on one
 * alone says little about a customer's.
 *
 * Binaries: PG_BIN (default /usr/lib/postgresql/15/bin). As root the cluster runs as `postgres`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PgConnection } from '../src/main/db/knex';

const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface DebianServer {
  admin: PgConnection;
  version: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as `postgres` when we are root: PostgreSQL refuses to run as root. */
async function asPostgres(binary: string, args: string[]): Promise<string> {
  const path = join(PG_BIN, binary);
  const { stdout } =
    userInfo().uid === 0
      ? await run('runuser', ['-u', 'postgres', '--', path, ...args])
      : await run(path, args);
  return stdout;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`cannot read the postgres user's ids from "${stdout.trim()}"`);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDebianServer(): Promise<DebianServer> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(
      `no PostgreSQL binaries at ${PG_BIN}: install Debian's postgresql-15 (apt-get install postgresql-15) or set PG_BIN`,
    );
  }
  const home = await mkdtemp(join(tmpdir(), 'pointkeeper-bench-pg-'));
  await chmod(home, 0o755);
  const data = join(home, 'data');
  if (userInfo().uid === 0) {
    const { uid, gid } = await postgresIds();
    await chown(home, uid, gid);
  }
  const port = await freePort();
  // Default settings on purpose: only where to listen and where the socket goes are ours.
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  await asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(home, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${home} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  const version = (await asPostgres('postgres', ['--version'])).trim();
  return {
    admin: { host: '127.0.0.1', port, user: 'postgres', password: '', database: 'postgres' },
    version,
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
