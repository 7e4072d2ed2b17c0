import type { Knex } from 'knex';
import type { CallName, CallOutput, ParsedInput } from '../../shared/contract';
import type { Session } from '../db/session';

export interface Progress {
  done: number;
  total: number | null;
  message?: string;
}

export interface CallContext {
  /** For `write` calls, the transaction the registry opened; otherwise the session's pool. */
  db: Knex;
  session: Session;
  signal: AbortSignal;
  progress: (p: Progress) => void;
}

export type Handler<K extends CallName> = (ctx: CallContext, input: ParsedInput<K>) => Promise<CallOutput<K>>;
export type Handlers = { [K in CallName]: Handler<K> };
/** The handlers of one domain: every call named `<prefix>.…`. */
export type DomainHandlers<P extends string> = Pick<Handlers, Extract<CallName, `${P}.${string}`>>;
