import type { z } from 'zod';

/**
 * Validates a form's would-be input with the call's own contract schema, so the form refuses
 * exactly what the ledger would, as the person types. Returns the first message per field.
 */
export function fieldErrors(schema: z.ZodType, input: unknown): Record<string, string> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? '_');
    errors[key] ??= issue.message;
  }
  return errors;
}

/** A whole number typed in a text field, or NaN (so the schema says what is wrong). */
export function parseWhole(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** A fresh idempotency key for one form submission (kept across retries of that submission). */
export function newSubmissionKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
