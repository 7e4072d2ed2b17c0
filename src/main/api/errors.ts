import { ZodError } from 'zod';
import type { ErrorData } from '../../shared/result';
import { isConnectionError, unavailable } from '../db/unavailable';
import { AppError } from '../errors';
import { fromWriteApi } from '../ledger/writeApi';
import { looksLikeSql, serverMessage } from '../db/pgMessage';
import { logger } from '../logger';

interface PgErrorLike {
  code?: string;
  constraint?: string;
  message?: string;
}

export function zodToError(error: ZodError): ErrorData {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const where = first?.path ? `${first.path}: ` : '';
  return { code: 'VALIDATION', message: `${where}${first?.message ?? 'invalid input'}`, details: issues };
}

const WITHHELD: Partial<Record<ErrorData['code'], string>> = {
  FORBIDDEN: 'The database refused this for your login.',
  CONFLICT: 'This conflicts with a change made at the same time; try again.',
  VALIDATION: 'The database refused a value of this request.',
  CANCELLED: 'The database cancelled the query.',
};

/**
 * The last word on what a person reads: a message that still looks like SQL is replaced by its
 * code's plain sentence, and the raw text goes to the log file only.
 */
function withoutSql(data: ErrorData, raw: unknown): ErrorData {
  if (!looksLikeSql(data.message)) return data;
  logger.error('error message withheld from the screen', {
    code: data.code,
    raw: raw instanceof Error ? raw.message : String(raw),
  });
  const message = WITHHELD[data.code] ?? 'Something unexpected went wrong; the details are in the log file.';
  return { code: data.code, message };
}

/**
 * Turns anything thrown below the registry into the contract's error data. Database errors keep
 * their meaning (permission, conflict, rule broken) but never show SQL or a stack to a person.
 */
export function toErrorData(error: unknown, server: { host: string; port: number } | null): ErrorData {
  return withoutSql(mapError(error, server), error);
}

function mapError(error: unknown, server: { host: string; port: number } | null): ErrorData {
  if (error instanceof AppError) return error.toData();
  if (error instanceof ZodError) return zodToError(error);
  const refused = fromWriteApi(error);
  if (refused) return refused.toData();
  if (isConnectionError(error)) {
    return server
      ? unavailable(server.host, server.port, error).toData()
      : { code: 'DB_UNAVAILABLE', message: 'Not connected to a database.' };
  }
  const pgError = error as PgErrorLike;
  switch (pgError.code) {
    case '42501':
      return {
        code: 'FORBIDDEN',
        message: `The database refused this for your login: ${serverMessage(pgError) || 'permission denied'}.`,
      };
    case '23505':
      return {
        code: 'CONFLICT',
        message: `This would duplicate an existing record (${pgError.constraint ?? 'unique rule'}).`,
      };
    case '22003': // numeric_value_out_of_range: a sum past what a column holds
      return {
        code: 'VALIDATION',
        message:
          'The result would be larger than the ledger can hold (a balance or total past 2,147,483,647).',
      };
    case '22021': // character_not_in_repertoire
    case '22P05': // untranslatable_character
      return { code: 'VALIDATION', message: 'The text contains characters the database cannot store.' };
    case '23514':
    case '23503':
    case '23502':
      return {
        code: 'VALIDATION',
        message: `The database refused a value that breaks the rule ${pgError.constraint ?? 'on this table'}.`,
      };
    case '40001':
    case '40P01':
      return {
        code: 'CONFLICT',
        message: 'Another change to the same data happened at the same time; try again.',
      };
    case '57014':
      return {
        code: 'CANCELLED',
        message: 'The database cancelled the query (cancelled or over its time limit).',
      };
    default:
      logger.error('unexpected error', {
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      });
      return {
        code: 'INTERNAL',
        message: 'Something unexpected went wrong; the details are in the log file.',
      };
  }
}
