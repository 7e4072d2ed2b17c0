import type { Knex } from 'knex';
import { contract, emitsProgress, isCallName, type CallName } from '../../shared/contract';
import type { ProgressEvent } from '../../shared/progress';
import { fail, ok, type ErrorData, type Result } from '../../shared/result';
import { roleAllows } from '../../shared/roles';
import type { Session } from '../db/session';
import { userFileGate, type FileGate } from '../files/gate';
import { deferredCount, flushDeferred, logOrDefer } from './deferredLog';
import { jobIdOf, progressEmitter, type ProgressEmitter } from './events';
import { toErrorData, zodToError } from './errors';
import { loggableInput, RefusalBound, refusalKey } from './refusals';
import { headlessLocalHandlers } from './local';
import { markWrite, readsFor } from './routing';
import type {
  CallContext,
  Handler,
  Handlers,
  LocalCallName,
  LocalHandler,
  LocalHandlers,
  Progress,
} from './types';

export interface DispatchOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Pushed progress events of the calls that declare them (throttled, with a final one). */
  onEvent?: (event: ProgressEvent) => void;
}

export type Dispatcher = (name: string, raw: unknown, options?: DispatchOptions) => Promise<Result<unknown>>;

/** The one writer of operations_log: every logged call and every refusal goes through here. */
async function writeLog(
  db: Knex,
  action: string,
  input: unknown,
  outcome: { ok: true; result: unknown } | { ok: false; error: ErrorData },
): Promise<void> {
  // The login and the time are the server's: the function takes neither.
  await db.raw('SELECT pointkeeper_log_operation(?, ?::jsonb, ?, ?, ?::jsonb)', [
    action,
    JSON.stringify(input ?? {}),
    outcome.ok ? 'ok' : 'error',
    outcome.ok ? null : outcome.error.code,
    JSON.stringify(outcome.ok ? (outcome.result ?? null) : outcome.error),
  ]);
}

/**
 * Writes whose database function records the operation itself, in the same statement: they run
 * without a transaction of the registry's (one round trip) and are not logged twice.
 */
const LOGGED_BY_DATABASE: ReadonlySet<CallName> = new Set([
  'points.earn',
  'points.redeem',
  'points.reverse',
  'recovery.resolve',
  'approvals.approve',
  'approvals.deny',
  'approvals.cancel',
  'policies.set',
  'expiry.setPolicy',
  'expiry.rebuild',
]);

/** PostgreSQL text cannot hold U+0000: refuse it at the door for every call, naming where. */
function pathOfNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = pathOfNul(inner, path ? `${path}.${key}` : key);
    if (found !== null) return found;
  }
  return null;
}

/**
 * The one door to the ledger: every transport (IPC, CLI, e2e bridge) calls through here, so
 * validation, the role check, error mapping and the operations log happen the same way for all.
 */
export interface DispatcherSettings {
  /** Identical refusals within this many ms are written once, with their count (default 60 s). */
  refusalWindowMs?: number;
}

export function createDispatcher(
  handlers: Handlers,
  getSession: () => Session | null,
  local: LocalHandlers = headlessLocalHandlers(),
  files: FileGate = userFileGate(),
  settings: DispatcherSettings = {},
): Dispatcher {
  const bound = new RefusalBound(settings.refusalWindowMs ?? 60_000);
  /**
   * Every refusal is in the operations log (when there is a database to write it to), bounded:
   * identical ones in a burst become one row and a count. Local calls (dialogs, profiles, whose
   * input can hold a password) are the host's business, not the ledger's, and are not logged.
   */
  const refused = async (action: string, raw: unknown, error: ErrorData): Promise<Result<never>> => {
    const session = getSession();
    if (session && !(isCallName(action) && contract[action].kind === 'local')) {
      const name = action.slice(0, 100);
      const write = (input: unknown, logged: ErrorData) =>
        writeLog(session.knex, name, input, { ok: false, error: logged }).catch(() => undefined);
      const key = refusalKey(session.whoami.login, name, error);
      const now = bound.admit(key, (repeated) => void write({}, { ...error, details: { repeated } }));
      if (now) await write(loggableInput(raw), error);
    }
    return { ok: false, error };
  };
  return async (name, raw, options = {}) => {
    if (!isCallName(name))
      return refused(name, raw, { code: 'VALIDATION', message: `Unknown call "${name}".` });
    const def = contract[name];
    const nul = pathOfNul(raw);
    if (nul !== null)
      return refused(name, raw, {
        code: 'VALIDATION',
        message: `${nul || 'input'}: text cannot contain NUL characters.`,
      });
    const parsed = def.input.safeParse(raw === undefined ? {} : raw);
    if (!parsed.success) return refused(name, raw, zodToError(parsed.error));
    const signal = options.signal ?? new AbortController().signal;
    if (def.kind === 'local') {
      // Answered by the host: no session, no role (the Connect screen runs before either exists).
      const handler = local[name as LocalCallName] as LocalHandler<LocalCallName>;
      try {
        return ok(await handler(parsed.data as never, { signal }));
      } catch (error) {
        return { ok: false, error: toErrorData(error, null) };
      }
    }
    const session = getSession();
    if (!session) return fail('DB_UNAVAILABLE', 'Not connected to a database: choose a connection first.');
    const server = session.connection;
    const logged = def.kind !== 'query';
    if (!roleAllows(session.whoami.role, def.minRole)) {
      const error: ErrorData = {
        code: 'FORBIDDEN',
        message: `${name} needs the ${def.minRole} role; ${session.whoami.login} is ${session.whoami.role ?? 'in no Pointkeeper role'}.`,
      };
      return refused(name, parsed.data, error);
    }
    if (deferredCount() > 0) await flushDeferred();
    const handler = handlers[name as keyof Handlers] as Handler<CallName>;
    const { onEvent, onProgress } = options;
    const events: ProgressEmitter | null =
      onEvent && emitsProgress(name) ? progressEmitter(name, jobIdOf(parsed.data), onEvent) : null;
    let reads: Knex;
    try {
      reads = await readsFor(session, name, parsed.data);
    } catch (error) {
      const data = toErrorData(error, server);
      if (logged)
        await logOrDefer(() => writeLog(session.knex, name, parsed.data, { ok: false, error: data }));
      events?.finish();
      return { ok: false, error: data };
    }
    const base = {
      session,
      reads,
      signal,
      progress: (p: Progress) => {
        onProgress?.(p);
        events?.progress(p);
      },
      files,
    };
    const run = async (): Promise<Result<unknown>> => {
      try {
        if (LOGGED_BY_DATABASE.has(name)) {
          const data = await handler({ ...base, db: session.knex }, parsed.data);
          await markWrite(session, name, parsed.data);
          return ok(data);
        }
        if (def.kind === 'write') {
          const data = await session.knex.transaction(async (trx) => {
            const result = await handler({ ...base, db: trx } satisfies CallContext, parsed.data);
            await writeLog(trx, name, parsed.data, { ok: true, result });
            return result;
          });
          await markWrite(session, name, parsed.data);
          return ok(data);
        }
        // A query reads where it is routed; an action writes on the primary and reads via ctx.reads.
        const data = await handler({ ...base, db: logged ? session.knex : reads }, parsed.data);
        if (logged) {
          await writeLog(session.knex, name, parsed.data, { ok: true, result: data });
          await markWrite(session, name, parsed.data);
        }
        return ok(data);
      } catch (error) {
        // A query answered by the replica names the replica when that is what went away.
        const from =
          !logged && reads !== session.knex && session.replica ? session.replica.connection : server;
        const data = toErrorData(error, from);
        // Every outcome of a logged call is in the log, DB_UNAVAILABLE too (written on the next
        // connection when this one is gone); a refused query is logged too, bounded.
        if (logged)
          await logOrDefer(() => writeLog(session.knex, name, parsed.data, { ok: false, error: data }));
        else if (data.code === 'VALIDATION' || data.code === 'FORBIDDEN')
          return refused(name, parsed.data, data);
        return { ok: false, error: data };
      }
    };
    try {
      return await run();
    } finally {
      events?.finish();
    }
  };
}
