import type { z } from 'zod';
import { AppError } from '../errors';

/** Keyset cursors are opaque base64url JSON tuples: callers pass back what they were given. */
export function encodeCursor(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, shape: T): z.output<T> {
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('VALIDATION', 'The page cursor is not one this console handed out.');
  }
}
