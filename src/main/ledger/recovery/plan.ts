import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  RecoveryAction,
  RecoveryPlan,
  RecoveryScope,
  RecoveryTotals,
  UserRecoveryPlan,
} from '../../../shared/contract/recovery';
import type { Progress } from '../../../shared/progress';
import { AppError } from '../../errors';
import { decide, storedBalance } from './decide';
import { readChunk, type ChunkState } from './state';

/** Users read per chunk; each applied chunk is one transaction. */
export const DEFAULT_CHUNK_USERS = 5_000;

export interface RecoveryRequest {
  action: RecoveryAction;
  scope: RecoveryScope;
}

export interface ScanOptions {
  chunkSize?: number;
  progress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** A chunk as the plan saw it: apply reads the same users again and expects the same state. */
export interface ChunkMark {
  afterId: number;
  state: ChunkState;
}

/** The explicit scope's users, sorted and without repeats; null for 'all' and 'discrepancies'. */
export function scopeIds(scope: RecoveryScope): number[] | null {
  return typeof scope === 'string' ? null : [...new Set(scope.userIds)].sort((a, b) => a - b);
}

async function checkUsersExist(db: Knex, ids: number[]): Promise<void> {
  const found = new Set((await db('users').whereIn('id', ids).pluck('id')) as number[]);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length === 0) return;
  const shown = missing.slice(0, 10).join(', ');
  const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
  throw new AppError(
    'NOT_FOUND',
    `${missing.length === 1 ? 'User' : 'Users'} ${shown}${more} ${missing.length === 1 ? 'was' : 'were'} not found.`,
    { missing },
  );
}

async function usersToScan(db: Knex, ids: number[] | null): Promise<number> {
  if (ids) return ids.length;
  const row = (await db('users').count({ n: '*' }).first()) as { n: number } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * Reads the scope chunk by chunk in user id order and hands each chunk to `visit`. Only one
 * chunk is in memory at a time, so a million users cost what five thousand do.
 */
export async function scanScope(
  db: Knex,
  request: RecoveryRequest,
  options: ScanOptions,
  visit: (chunk: ChunkMark) => Promise<void> | void,
): Promise<void> {
  const ids = scopeIds(request.scope);
  if (ids) await checkUsersExist(db, ids);
  const size = options.chunkSize ?? DEFAULT_CHUNK_USERS;
  const total = await usersToScan(db, ids);
  let afterId = 0;
  let done = 0;
  for (;;) {
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'Cancelled while reading the users.');
    const state = await readChunk(db, { afterId, size, ids, onlyUnclean: request.scope === 'discrepancies' });
    if (state.lastId === null) return;
    await visit({ afterId, state });
    done += state.seen;
    options.progress?.({ done: Math.min(done, total), total, message: 'users checked' });
    afterId = state.lastId;
  }
}

/** One hash for the whole plan: the action, the scope and every chunk's bounds and state. */
export function planFingerprint(request: RecoveryRequest, chunks: ChunkMark[]): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify(['pointkeeper-recovery-1', request.action, scopeIds(request.scope) ?? request.scope]),
  );
  for (const c of chunks) hash.update(`\n${c.afterId}:${c.state.lastId}:${c.state.fingerprint}`);
  return hash.digest('hex');
}

export const emptyTotals = (): RecoveryTotals => ({
  usersInScope: 0,
  usersChanged: 0,
  usersBlocked: 0,
  usersInvestigate: 0,
  rowsCreated: 0,
  balancesRaised: { users: 0, points: 0 },
  balancesLowered: { users: 0, points: 0 },
  legacyLowered: { users: 0, points: 0 },
  adjustments: { count: 0, points: 0 },
  chunks: 0,
});

/** Adds one user's decision to the totals. */
export function count(totals: RecoveryTotals, user: UserRecoveryPlan, before: number): void {
  if (user.decision === 'blocked_negative') {
    totals.usersBlocked++;
    return;
  }
  if (user.decision === 'investigate') {
    totals.usersInvestigate++;
    return;
  }
  totals.usersChanged++;
  if (user.createsRow) totals.rowsCreated++;
  const after = user.changes.find((c) => c.column === 'user_points.points')?.after;
  const delta = (typeof after === 'number' ? after : before) - before;
  if (delta > 0) {
    totals.balancesRaised.users++;
    totals.balancesRaised.points += delta;
  } else if (delta < 0) {
    totals.balancesLowered.users++;
    totals.balancesLowered.points -= delta;
  }
  const legacy = user.changes.find((c) => c.column === 'users.rewards');
  if (
    legacy &&
    typeof legacy.before === 'number' &&
    typeof legacy.after === 'number' &&
    legacy.after < legacy.before
  ) {
    totals.legacyLowered.users++;
    totals.legacyLowered.points += legacy.before - legacy.after;
  }
  for (const t of user.transactions) {
    totals.adjustments.count++;
    totals.adjustments.points += t.points;
  }
}

/**
 * The dry run: every user the action would change, each column before → after, each
 * transaction it would create, totals, and the fingerprint apply checks. Writes nothing.
 */
export async function planRecovery(
  db: Knex,
  input: RecoveryRequest & { limit: number },
  options: ScanOptions = {},
): Promise<RecoveryPlan> {
  const chunks: ChunkMark[] = [];
  const totals = emptyTotals();
  const users: UserRecoveryPlan[] = [];
  let listed = 0;
  await scanScope(db, input, options, (chunk) => {
    chunks.push({ afterId: chunk.afterId, state: { ...chunk.state, unclean: [] } });
    totals.chunks++;
    totals.usersInScope += chunk.state.inScope;
    for (const state of chunk.state.unclean) {
      const user = decide(input.action, state);
      count(totals, user, storedBalance(state));
      if (listed++ < input.limit) users.push(user);
    }
  });
  return {
    action: input.action,
    scope: input.scope,
    fingerprint: planFingerprint(input, chunks),
    computedAt: new Date().toISOString(),
    totals,
    users,
    truncated: listed > input.limit,
  };
}
