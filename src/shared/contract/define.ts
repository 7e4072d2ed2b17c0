import type { z } from 'zod';
import type { Role } from '../roles';

/**
 * How a call touches the database:
 * - `query` reads only;
 * - `write` runs inside one transaction the registry opens, and its operations_log row is
 *   written in that same transaction;
 * - `action` manages its own transactions (long, chunked work) and is logged when it ends;
 * - `local` never touches the ledger: it runs in the host (a native dialog, the connection
 *   profiles), needs no session and no role, and is not logged. Declared with `localCall`.
 */
export type CallKind = 'query' | 'write' | 'action' | 'local';

export interface CallDef<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I;
  minRole: Role;
  kind: CallKind;
  summary: string;
  /**
   * A long call declares the events it pushes while it runs: 'progress' means ProgressEvent
   * (src/shared/progress.ts), delivered by webContents.send, the bridge's event stream, or the
   * command line's bar. Calls without it push nothing.
   */
  emits?: 'progress';
  /** Phantom: carries the output type only. */
  readonly _output?: O;
}

/** `call<Output>()({ input, minRole, kind, summary })`: the output type is named, the input inferred. */
export function call<O>() {
  return <I extends z.ZodType, E extends 'progress' | undefined = undefined>(
    def: Omit<CallDef<I, O>, '_output' | 'kind' | 'emits'> & { kind: Exclude<CallKind, 'local'>; emits?: E },
  ): CallDef<I, O> & (E extends 'progress' ? { emits: 'progress' } : unknown) =>
    def as CallDef<I, O> & (E extends 'progress' ? { emits: 'progress' } : unknown);
}

/** A call answered by the host itself, before and without any database session. */
export type LocalCallDef<I extends z.ZodType = z.ZodType, O = unknown> = CallDef<I, O> & { kind: 'local' };

/**
 * `localCall<Output>()({ input, summary })`. Its least role is the lowest: such a call may be
 * made before anyone has connected (the Connect screen), so there is no role to check yet.
 */
export function localCall<O>() {
  return <I extends z.ZodType>(def: { input: I; summary: string }): LocalCallDef<I, O> => ({
    ...def,
    minRole: 'auditor',
    kind: 'local',
  });
}
