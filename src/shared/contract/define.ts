import type { z } from 'zod';
import type { Role } from '../roles';

/**
 * How a call touches the database:
 * - `query` reads only;
 * - `write` runs inside one transaction the registry opens, and its operations_log row is
 *   written in that same transaction;
 * - `action` manages its own transactions (long, chunked work) and is logged when it ends.
 */
export type CallKind = 'query' | 'write' | 'action';

export interface CallDef<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I;
  minRole: Role;
  kind: CallKind;
  summary: string;
  /** Phantom: carries the output type only. */
  readonly _output?: O;
}

/** `call<Output>()({ input, minRole, kind, summary })`: the output type is named, the input inferred. */
export function call<O>() {
  return <I extends z.ZodType>(def: Omit<CallDef<I, O>, '_output'>): CallDef<I, O> => def;
}
