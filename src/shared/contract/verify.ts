import { z } from 'zod';
import { call } from './define';

export interface VerifyCheck {
  /** A stable name, e.g. "copies-match-log". */
  name: string;
  ok: boolean;
  /** What was checked and, when it failed, what was found. */
  detail: string;
  /** How many rows or users break the rule (0 when ok). */
  failures: number;
  /** A few examples for a person to look at. */
  examples: unknown[];
}

export interface VerifyReport {
  ok: boolean;
  checkedAt: string;
  seconds: number;
  checks: VerifyCheck[];
}

export const verifyCalls = {
  'verify.ledger': call<VerifyReport>()({
    input: z.object({}).strict(),
    minRole: 'auditor',
    kind: 'query',
    summary:
      'The invariants every fault test ends with: copies agree with the log, chains verify, no balance below zero, every logged write exists',
  }),
};
