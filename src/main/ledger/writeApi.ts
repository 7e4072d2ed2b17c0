import type { Knex } from 'knex';
import { serverMessage } from '../db/pgMessage';
import { AppError } from '../errors';
import type { ErrorCode } from '../../shared/result';

/**
 * The ledger's write API lives in PostgreSQL (migrations/20261202_100_write_api.ts): these are
 * the TypeScript ends of it. The functions raise SQLSTATEs of class PK with a message written
 * for a person; they become the contract's error codes here.
 */
const PK_CODES: Record<string, ErrorCode> = {
  PK402: 'INSUFFICIENT_POINTS',
  PK403: 'FORBIDDEN',
  PK404: 'NOT_FOUND',
  PK409: 'CONFLICT',
  PK422: 'VALIDATION',
};

/** The contract's error for a refusal raised by one of the write functions, or null. */
export function fromWriteApi(error: unknown): AppError | null {
  const e = error as { code?: string; message?: string; detail?: string };
  const code = e.code ? PK_CODES[e.code] : undefined;
  if (!code) return null;
  let details: unknown;
  try {
    details = e.detail ? (JSON.parse(e.detail) as unknown) : undefined;
  } catch {
    details = undefined;
  }
  return new AppError(code, serverMessage(e) || code, details);
}

/** Calls one write function (`name(?, …)` with bound values) and returns its JSON answer. */
export async function callWrite<T>(db: Knex, call: string, bindings: readonly unknown[]): Promise<T> {
  try {
    const result = (await db.raw(`SELECT ${call} AS result`, bindings as Knex.RawBinding[])) as {
      rows: Array<{ result: T }>;
    };
    return result.rows[0]!.result;
  } catch (error) {
    throw fromWriteApi(error) ?? error;
  }
}
