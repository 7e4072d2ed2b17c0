import type { Knex } from 'knex';
import type { CallName, CallOutput, Contract, ParsedInput } from '../../shared/contract';
import type { Session } from '../db/session';
import type { FileGate } from '../files/gate';
import type { Progress } from '../../shared/progress';

export type { Progress } from '../../shared/progress';

export interface CallContext {
  /** For `write` calls, the transaction the registry opened; otherwise the session's pool. */
  db: Knex;
  /**
   * Where the call's reads go: the reporting replica for the reads routed there (see
   * routing.ts), else the primary. A query's `db` is this; an action writes through `db`.
   */
  reads: Knex;
  session: Session;
  signal: AbortSignal;
  progress: (p: Progress) => void;
  /** Where this host lets calls write files. */
  files: FileGate;
}

/** Calls the host answers itself (`localCall`): dialogs, connection profiles. */
export type LocalCallName = { [K in CallName]: Contract[K]['kind'] extends 'local' ? K : never }[CallName];
/** Calls that run against the ledger's database in a session. */
export type SessionCallName = Exclude<CallName, LocalCallName>;

export type Handler<K extends CallName> = (ctx: CallContext, input: ParsedInput<K>) => Promise<CallOutput<K>>;
export type Handlers = { [K in SessionCallName]: Handler<K> };
/** The handlers of one domain: every call named `<prefix>.…`. */
export type DomainHandlers<P extends string> = Pick<Handlers, Extract<SessionCallName, `${P}.${string}`>>;

export interface LocalContext {
  signal: AbortSignal;
}
export type LocalHandler<K extends LocalCallName> = (
  input: ParsedInput<K>,
  ctx: LocalContext,
) => Promise<CallOutput<K>>;
/** One per local call; each host (app, CLI, e2e host) builds its own from its ports. */
export type LocalHandlers = { [K in LocalCallName]: LocalHandler<K> };
