import { z } from 'zod';
import { call } from './define';
import { isoDateTime, pageInput, type Page } from './common';

export interface OperationEntry {
  id: number;
  at: string;
  /** The PostgreSQL login that made the call (current_user). */
  actor: string;
  action: string;
  input: unknown;
  outcome: 'ok' | 'error';
  errorCode: string | null;
  result: unknown;
}

export const operationsCalls = {
  'operations.list': call<Page<OperationEntry>>()({
    input: z
      .object({
        /** e.g. "backup." for every backup call, "points.earn" for one call. */
        actionPrefix: z.string().trim().max(100).optional(),
        actor: z.string().trim().max(100).optional(),
        outcome: z.enum(['ok', 'error']).optional(),
        from: isoDateTime.optional(),
        to: isoDateTime.optional(),
        ...pageInput,
      })
      .strict(),
    minRole: 'auditor',
    kind: 'query',
    summary: 'The operations log, newest first: who did what, with what input, and how it ended',
  }),
};
