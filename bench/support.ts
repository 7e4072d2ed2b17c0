import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import { startEmbedded, type EmbeddedServer } from '../src/main/db/embedded';
import { createKnex, parseDatabaseUrl, type PgConnection } from '../src/main/db/knex';
import { openSession, type Session } from '../src/main/db/session';

export interface BenchDb {
  connection: PgConnection;
  session: Session;
  dispatch: Dispatcher;
  /** A second session with a pool sized for `clients` concurrent callers. */
  withPool(clients: number): Promise<{ dispatch: Dispatcher; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** A fresh, migrated database for a benchmark: on BENCH_DATABASE_URL's server, or an embedded one. */
export async function benchDatabase(name: string): Promise<BenchDb> {
  let server: EmbeddedServer | null = null;
  let home: string | null = null;
  let admin: PgConnection;
  if (process.env.BENCH_DATABASE_URL) {
    admin = parseDatabaseUrl(process.env.BENCH_DATABASE_URL);
  } else {
    home = await mkdtemp(join(tmpdir(), 'pointkeeper-bench-'));
    await chmod(home, 0o755);
    server = await startEmbedded(home);
    admin = server.connection;
  }
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  await root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await root.raw(`CREATE DATABASE ${name}`);
  await root.destroy();
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
      const cleanup = createKnex({ ...admin, database: 'postgres' }, 1);
      await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.destroy();
      await server?.stop();
      if (home) await rm(home, { recursive: true, force: true });
    },
  };
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
