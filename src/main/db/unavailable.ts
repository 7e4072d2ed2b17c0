import { AppError } from '../errors';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);
// Server-side: the server is shutting down, the session was terminated, or it cannot accept us.
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code && (CONNECTION_ERRORS.has(code) || SERVER_GONE.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Knex: Timeout acquiring a connection|connection is closed|Client has encountered a connection error/i.test(
    message,
  );
}

/** DB_UNAVAILABLE that names the server, so a person knows which one to check. */
export function unavailable(host: string, port: number, error: unknown): AppError {
  const code = codeOf(error);
  const reason = code ?? (error instanceof Error ? error.message : 'no answer');
  return new AppError(
    'DB_UNAVAILABLE',
    `Cannot reach PostgreSQL at ${host}:${port} (${reason}). Check that the server is running and the host and port are right.`,
  );
}
