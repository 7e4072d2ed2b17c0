import type { Knex } from 'knex';
import type { CallName } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import type { ReplicaStatus } from '../../shared/contract/session';
import { currentLsn, lsnAtLeast, type Replica } from '../db/replica';
import type { Session } from '../db/session';
import { isConnectionError } from '../db/unavailable';
import { AppError } from '../errors';

/**
 * The reads that go to the reporting replica when the profile names one: audits, scans,
 * statements, reports, exports and history. Everything else, and every write, is the primary's:
 * a call reaches the replica only by being listed here, whatever screen or command makes it.
 */
export const REPLICA_READS: ReadonlySet<CallName> = new Set<CallName>([
  'audit.user',
  'audit.scan',
  'audit.scans',
  'audit.scanResults',
  'audit.statement',
  'audit.balanceAt',
  'report.export',
  'backup.export',
  'operations.list',
  'points.history',
  'users.get',
  'redemptions.list',
  'expiry.user',
  'expiry.byMonth',
  'verify.ledger',
]);

/** The users a call names (userId / userIds), or null when it reads no one user in particular. */
export function usersOf(input: unknown): number[] | null {
  if (typeof input !== 'object' || input === null) return null;
  const { userId, userIds } = input as { userId?: unknown; userIds?: unknown };
  if (typeof userId === 'number') return [userId];
  if (Array.isArray(userIds) && userIds.every((u) => typeof u === 'number')) return userIds as number[];
  return null;
}

const RECHECK_MS = 250;

const seconds = (s: number) => (s < 10 ? s.toFixed(1) : Math.round(s).toLocaleString('en-US'));

/** Whether the standby shows what this session wrote that the read needs; drops the marks it does. */
async function fresh(replica: Replica, users: number[] | null): Promise<boolean> {
  if (replica.freshness.needed(users).length === 0) return true;
  const replayed = await replica.replayLsn();
  replica.freshness.settle((lsn) => lsnAtLeast(replayed, lsn));
  return replica.freshness.needed(users).length === 0;
}

function unreachable(replica: Replica, error: unknown): AppError {
  const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.message : 'no answer');
  return new AppError(
    'DB_UNAVAILABLE',
    `The reporting replica ${replica.server} does not answer (${reason}): reports wait for it, or choose "Read from the primary" (the command line: --no-replica).`,
    { replica: { server: replica.server, reachable: false } },
  );
}

/**
 * Where a call reads: the primary, or the replica when the call is a listed read, the person has
 * not chosen the primary, the standby has replayed this session's writes that the read needs
 * (else the primary: read-your-writes), and it is not further behind than the profile allows —
 * then the read is refused, naming the lag, rather than answered from stale data.
 */
export async function readsFor(session: Session, name: CallName, input: unknown): Promise<Knex> {
  const replica = session.replica;
  if (!replica || replica.readsFrom === 'primary' || !REPLICA_READS.has(name)) return session.knex;
  try {
    if (!(await fresh(replica, usersOf(input)))) return session.knex;
    let lag = await replica.lag(session.knex);
    // Seconds are counted from the last replayed commit: just after a write that ends a quiet
    // hour that reads as an hour for the instant before the standby replays it. A second
    // reading a moment later tells that instant from a standby really behind.
    if (lag.seconds > replica.maxLagSeconds) {
      await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
      lag = await replica.lag(session.knex);
    }
    if (lag.seconds > replica.maxLagSeconds) {
      throw new AppError(
        'DB_UNAVAILABLE',
        `The reporting replica ${replica.server} is ${seconds(lag.seconds)} s (${formatBytes(lag.bytes)} of WAL) behind the primary${lag.paused ? ', its replay paused' : ''}, more than this profile's bound of ${replica.maxLagSeconds} s: Pointkeeper does not report from it until it catches up. Choose "Read from the primary" to report from the primary instead (the command line: --no-replica).`,
        {
          replica: {
            server: replica.server,
            lagSeconds: lag.seconds,
            lagBytes: lag.bytes,
            maxLagSeconds: replica.maxLagSeconds,
          },
        },
      );
    }
    return replica.knex;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (isConnectionError(error)) throw unreachable(replica, error);
    throw error;
  }
}

/**
 * After a call that wrote: the primary's position, so later reads of the same users wait for it.
 * The routed reads write only their own log row and are not marked (a report after a report
 * would else dodge the lag bound on the primary), except the scan, whose results are read next.
 */
export async function markWrite(session: Session, name: CallName, input: unknown): Promise<void> {
  if (!session.replica || (REPLICA_READS.has(name) && name !== 'audit.scan')) return;
  // The write is done: a primary gone away just now must not make it look failed. The reads
  // that follow go to the primary too, and fail or succeed there.
  const lsn = await currentLsn(session.knex).catch(() => null);
  if (lsn !== null) session.replica.freshness.mark(lsn, usersOf(input));
}

/** Both servers and the replica's lag, for the status bar and `pointkeeper session servers`. */
export async function replicaStatus(session: Session): Promise<ReplicaStatus | null> {
  const replica = session.replica;
  if (!replica) return null;
  const base = { server: replica.server, maxLagSeconds: replica.maxLagSeconds, readsFrom: replica.readsFrom };
  try {
    const lag = await replica.lag(session.knex);
    const lagging = lag.seconds > replica.maxLagSeconds;
    return {
      ...base,
      state: lagging ? 'lagging' : 'ok',
      lagSeconds: lag.seconds,
      lagBytes: lag.bytes,
      replayPaused: lag.paused,
    };
  } catch (error) {
    const reason =
      (error as { code?: string }).code ?? (error instanceof Error ? error.message : 'no answer');
    return {
      ...base,
      state: 'unreachable',
      lagSeconds: null,
      lagBytes: null,
      replayPaused: null,
      message: reason,
    };
  }
}
