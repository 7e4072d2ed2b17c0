import type { ErrorCode } from '../../../shared/result';

/** A failed call as the renderer sees it: the contract's code and a message meant for a person. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What to show a person for anything thrown: never a stack trace. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something unexpected went wrong in the console.';
}

/** Whether trying the same call again could succeed: not for a refusal or a missing record. */
export function isRetryable(error: unknown): boolean {
  return (
    !(error instanceof ApiError) ||
    ['DB_UNAVAILABLE', 'CANCELLED', 'INTERNAL', 'CONFLICT'].includes(error.code)
  );
}
