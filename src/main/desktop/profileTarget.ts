import { readFile } from 'node:fs/promises';
import type { ReplicaSettings, TlsMode } from '../../shared/contract';
import type { PgConnection } from '../db/knex';
import type { ReplicaTarget } from '../db/replica';
import { AppError } from '../errors';

export interface ServerSettings {
  host: string;
  port: number;
  database: string;
  login: string;
  tls: TlsMode;
  caFile: string | null;
  replica?: ReplicaSettings | null;
}

async function sslOf(tls: TlsMode, caFile: string | null): Promise<PgConnection['ssl']> {
  if (tls === 'disable') return false;
  // `require` encrypts without checking who answers (libpq's meaning); verify-full checks the
  // certificate and the host name, against the given CA when there is one.
  if (tls === 'require') return { rejectUnauthorized: false };
  if (!caFile) return { rejectUnauthorized: true };
  try {
    return { rejectUnauthorized: true, ca: await readFile(caFile, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AppError('VALIDATION', `The CA file ${caFile} cannot be read (${code}).`);
  }
}

/** Connection settings of a server profile with this password (absent: the server decides). */
export async function connectionOf(settings: ServerSettings, password?: string): Promise<PgConnection> {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.login,
    ...(password !== undefined ? { password } : {}),
    ssl: await sslOf(settings.tls, settings.caFile),
  };
}

/** The profile's standby, reached as the same login with the same password and TLS settings. */
export async function replicaOf(
  settings: ServerSettings,
  password?: string,
): Promise<ReplicaTarget | undefined> {
  const { replica } = settings;
  if (!replica) return undefined;
  const primary = await connectionOf(settings, password);
  return {
    connection: { ...primary, host: replica.host, port: replica.port, database: replica.database },
    maxLagSeconds: replica.maxLagSeconds,
  };
}

/** The target of a server profile: its primary, and its replica when it names one. */
export async function serverTarget(settings: ServerSettings, password?: string) {
  const replica = await replicaOf(settings, password);
  return {
    kind: 'server' as const,
    connection: await connectionOf(settings, password),
    ...(replica ? { replica } : {}),
  };
}

/** `login@host:port/database`: how a person recognises a profile in messages. */
export const describe = (s: ServerSettings) => `${s.login}@${s.host}:${s.port}/${s.database}`;
