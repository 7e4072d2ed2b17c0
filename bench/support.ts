import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import { startEmbedded, type EmbeddedServer } from '../src/main/db/embedded';
import type { Knex } from 'knex';
import { createKnex, parseDatabaseUrl, type PgConnection } from '../src/main/db/knex';
import { openSession, type Session } from '../src/main/db/session';
import { startDebianServer } from './debianServer';

export interface BenchDb {
  connection: PgConnection;
  session: Session;
  dispatch: Dispatcher;
  /** A second session with a pool sized for `clients` concurrent callers. */
  withPool(clients: number): Promise<{ dispatch: Dispatcher; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface Seed {
  users: number;
  transactions: number;
  discrepancies?: number;
}

interface BenchServer {
  admin: PgConnection;
  stop(): Promise<void>;
}

let server: Promise<BenchServer> | null = null;

/** The servers a bench run can use: `--server=` of bench/index.ts. */
export const BENCH_SERVERS = ['embedded', 'debian'] as const;
export type BenchServerKind = (typeof BENCH_SERVERS)[number];

/** Which server the next benchDatabase() uses; the run loop sets it before each server's pass. */
export function useBenchServer(kind: BenchServerKind): void {
  process.env.BENCH_SERVER = kind;
}

/**
 * One server for the whole bench run: BENCH_DATABASE_URL's, a scratch cluster of Debian's
 * packaged PostgreSQL (BENCH_SERVER=debian), or one embedded server started once.
 */
function benchServer(): Promise<BenchServer> {
  server ??= (async () => {
    if (process.env.BENCH_DATABASE_URL) {
      return { admin: parseDatabaseUrl(process.env.BENCH_DATABASE_URL), stop: async () => {} };
    }
    if (process.env.BENCH_SERVER === 'debian') {
      const debian = await startDebianServer();
      process.stderr.write(`   server: ${debian.version}, default settings\n`);
      return debian;
    }
    const home = await mkdtemp(join(tmpdir(), 'pointkeeper-bench-'));
    await chmod(home, 0o755);
    const embedded: EmbeddedServer = await startEmbedded(home);
    return {
      admin: embedded.connection,
      async stop() {
        await embedded.stop();
        await rm(home, { recursive: true, force: true });
      },
    };
  })();
  return server;
}

/** Stops the embedded bench server, if one was started. */
export async function closeBenchServer(): Promise<void> {
  if (server) await (await server).stop();
  server = null;
}

async function onRoot<T>(admin: PgConnection, fn: (root: Knex) => Promise<T>): Promise<T> {
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  try {
    return await fn(root);
  } finally {
    await root.destroy();
  }
}

/**
 * A migrated database holding demo data of this size, built once per server and kept as a
 * template: every bench that asks for the same seed gets a clone in seconds instead of
 * regenerating millions of rows. A template from older migrations is rebuilt.
 */
const SEED_COMPLETE = 'pointkeeper bench seed complete';
/** Every bench draws the same demo data for the same size: figures from two runs compare. */
const BENCH_SEED = 20261202;
const exec = promisify(execFile);

async function seededTemplate(admin: PgConnection, seed: Seed): Promise<string> {
  const name = `pointkeeper_bench_seed_${seed.users}_${seed.transactions}_${seed.discrepancies ?? 0}`;
  const exists = await onRoot(admin, async (root) =>
    Boolean((await root.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name])).rows.length),
  );
  if (exists) {
    const complete = await onRoot(admin, async (root) =>
      Boolean(
        (
          await root.raw('SELECT 1 FROM pg_database WHERE datname = ? AND shobj_description(oid, ?) = ?', [
            name,
            'pg_database',
            SEED_COMPLETE,
          ])
        ).rows.length,
      ),
    );
    if (complete) {
      // Newer migrations are applied to the kept data rather than seeding millions of rows again.
      const session = await openSession(
        { kind: 'server', connection: { ...admin, database: name } },
        { migrate: true },
      );
      await session.close();
      return name;
    }
  }
  await onRoot(admin, async (root) => {
    await root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await root.raw(`CREATE DATABASE ${name}`);
  });
  const session = await openSession(
    { kind: 'server', connection: { ...admin, database: name } },
    { migrate: true },
  );
  try {
    process.stderr.write(
      `   seeding ${seed.users.toLocaleString('en-US')} users / ${seed.transactions.toLocaleString('en-US')} transactions…\n`,
    );
    const started = performance.now();
    // The command line makes the seed in a process of its own: the generator's memory would
    // otherwise stay in this process's resident set and in every peak-memory figure after it.
    await exec(
      'node',
      [
        join(import.meta.dirname, '..', 'bin', 'pointkeeper.mjs'),
        'demo',
        `--users=${seed.users}`,
        `--transactions=${seed.transactions}`,
        `--discrepancies=${seed.discrepancies ?? 0}`,
        `--seed=${BENCH_SEED}`,
      ],
      {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl({ ...admin, database: name }),
          POINTKEEPER_PROFILE: '',
        },
      },
    );
    await session.knex.raw('VACUUM ANALYZE');
    // Marks the template usable: a seed interrupted halfway is rebuilt next time.
    await session.knex.raw(`COMMENT ON DATABASE ${name} IS '${SEED_COMPLETE}'`);
    process.stderr.write(`   seeded in ${Math.round((performance.now() - started) / 1000)} s\n`);
  } finally {
    await session.close();
  }
  return name;
}

/**
 * A fresh, migrated database for a benchmark on the run's server — empty, or a clone of the
 * demo data `seed` describes.
 */
export async function benchDatabase(name: string, seed?: Seed): Promise<BenchDb> {
  const { admin } = await benchServer();
  const template = seed ? await seededTemplate(admin, seed) : null;
  await onRoot(admin, async (root) => {
    await root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await root.raw(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  });
  const connection = { ...admin, database: name };
  const session = await openSession({ kind: 'server', connection }, { migrate: true });
  return {
    connection,
    session,
    dispatch: createDispatcher(handlers, () => session),
    async withPool(clients) {
      const pooled = await openSession({ kind: 'server', connection }, { poolMax: clients });
      return { dispatch: createDispatcher(handlers, () => pooled), close: () => pooled.close() };
    },
    async close() {
      await session.close();
      await onRoot(admin, (root) => root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Dirty pages written back and the server checkpointed, so no earlier step's writes land on the
 * next measurement: on this two-core machine the writeback of gigabytes moved a side's time by
 * half (the export's rounds; the scan with the chain ran 1.16× in one run and 1.6× in the run
 * right after the embedded server's benchmarks, ours first both times).
 */
export async function settle(db: BenchDb): Promise<void> {
  await exec('sync');
  await db.session.knex.raw('CHECKPOINT');
  await exec('sync');
}

/** A connection as the URL child processes and `psql` take. */
export const databaseUrl = (c: PgConnection) =>
  `postgres://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password ?? '')}@${c.host}:${c.port}/${c.database}`;

/**
 * A contract call in a process of its own (bench/callProcess.ts), as the CLI runs it: its time,
 * its peak memory — the call's, not what earlier benchmarks left in this process — and its result.
 */
export async function callInOwnProcess<T>(
  target: PgConnection,
  name: string,
  input: unknown,
): Promise<{ seconds: number; peakMb: number; data: T }> {
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', 'bin', 'run-ts.mjs'),
      join(import.meta.dirname, 'callProcess.ts'),
      databaseUrl(target),
      name,
      JSON.stringify(input),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${name} in its own process failed (exit ${String(code)})`);
  return JSON.parse(out) as { seconds: number; peakMb: number; data: T };
}

/** Samples this process's resident memory while `fn` runs; returns the peak in MB. */
export async function peakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await fn();
    return { result, peakMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6) };
  } finally {
    clearInterval(timer);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference: number;
  referenceName: string;
  /** value ÷ reference; for throughput higher is better, for time lower is better. */
  ratio: number;
  goal?: string;
}

export const row = (r: Omit<BenchRow, 'ratio'>): BenchRow => ({
  ...r,
  ratio: Math.round((r.value / r.reference) * 100) / 100,
});
