import type { Knex } from 'knex';
import { contract, isCallName, type CallName } from '../../shared/contract';
import { fail, ok, type ErrorData, type Result } from '../../shared/result';
import { roleAllows } from '../../shared/roles';
import type { Session } from '../db/session';
import { deferredCount, flushDeferred, logOrDefer } from './deferredLog';
import { toErrorData, zodToError } from './errors';
import { headlessLocalHandlers } from './local';
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
}

export type Dispatcher = (name: string, raw: unknown, options?: DispatchOptions) => Promise<Result<unknown>>;

async function writeLog(
  db: Knex,
  action: CallName,
  input: unknown,
  outcome: { ok: true; result: unknown } | { ok: false; error: ErrorData },
): Promise<void> {
  await db('operations_log').insert({
    action,
    input: JSON.stringify(input ?? {}),
    outcome: outcome.ok ? 'ok' : 'error',
    error_code: outcome.ok ? null : outcome.error.code,
    result: JSON.stringify(outcome.ok ? (outcome.result ?? null) : outcome.error),
  });
}

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
export function createDispatcher(
  handlers: Handlers,
  getSession: () => Session | null,
  local: LocalHandlers = headlessLocalHandlers(),
): Dispatcher {
  return async (name, raw, options = {}) => {
    if (!isCallName(name)) return fail('VALIDATION', `Unknown call "${name}".`);
    const def = contract[name];
    const nul = pathOfNul(raw);
    if (nul !== null) return fail('VALIDATION', `${nul || 'input'}: text cannot contain NUL characters.`);
    const parsed = def.input.safeParse(raw === undefined ? {} : raw);
    if (!parsed.success) {
      const error = zodToError(parsed.error);
      return { ok: false, error };
    }
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
      if (logged)
        await writeLog(session.knex, name, parsed.data, { ok: false, error }).catch(() => undefined);
      return { ok: false, error };
    }
    if (deferredCount() > 0) await flushDeferred();
    const handler = handlers[name as keyof Handlers] as Handler<CallName>;
    const base = {
      session,
      signal,
      progress: options.onProgress ?? (() => {}),
    };
    try {
      if (def.kind === 'write') {
        const data = await session.knex.transaction(async (trx) => {
          const result = await handler({ ...base, db: trx } satisfies CallContext, parsed.data);
          await writeLog(trx, name, parsed.data, { ok: true, result });
          return result;
        });
        return ok(data);
      }
      const data = await handler({ ...base, db: session.knex }, parsed.data);
      if (logged) await writeLog(session.knex, name, parsed.data, { ok: true, result: data });
      return ok(data);
    } catch (error) {
      const data = toErrorData(error, server);
      // Every outcome is logged, DB_UNAVAILABLE too: later, when this connection is gone.
      if (logged)
        await logOrDefer(() => writeLog(session.knex, name, parsed.data, { ok: false, error: data }));
      return { ok: false, error: data };
    }
  };
}
