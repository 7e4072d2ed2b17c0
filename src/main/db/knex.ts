import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Counts come back as int8 and amounts as numeric: both fit a JS number in this ledger
// (points are 32-bit, amounts have two decimals), and numbers are what the contract promises.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));

export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl?: false | { rejectUnauthorized: boolean; ca?: string };
}

export function createKnex(connection: PgConnection, poolMax = 10): Knex {
  return knexFactory({
    client: 'pg',
    connection: { ...connection, connectionTimeoutMillis: 5000, application_name: 'pointkeeper' },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** Parses postgres://user:pass@host:port/db?sslmode=… into connection settings. */
export function parseDatabaseUrl(url: string): PgConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`);
  }
  const sslmode = parsed.searchParams.get('sslmode');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 5432,
    database: database || 'postgres',
    user: decodeURIComponent(parsed.username) || 'postgres',
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ssl:
      sslmode === 'require' || sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: sslmode !== 'require' }
        : false,
  };
}
