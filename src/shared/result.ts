/** The one error vocabulary that crosses every boundary (IPC, CLI, e2e bridge). */
export const ERROR_CODES = [
  'VALIDATION',
  'INSUFFICIENT_POINTS',
  'NOT_FOUND',
  'FORBIDDEN',
  'CONFLICT',
  'DB_UNAVAILABLE',
  'CANCELLED',
  'INTERNAL',
  // Not a failure: an approval policy covered the write, which became a request (details.requestId).
  'APPROVAL_PENDING',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Errors travel as data: Electron's IPC keeps only an Error's message. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorData };

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });
export const fail = (code: ErrorCode, message: string, details?: unknown): Result<never> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});
