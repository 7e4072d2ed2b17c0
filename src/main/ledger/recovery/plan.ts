import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  RecoveryAction,
  RecoveryDecision,
  RecoveryPlan,
  RecoveryScope,
  RecoveryTotals,
  UserRecoveryPlan,
} from '../../../shared/contract/recovery';
import type { Progress } from '../../../shared/progress';
import { AppError } from '../../errors';
import { decide, storedBalance } from './decide';
import { readScope, scopeUsers } from './state';
import { callWrite } from '../writeApi';

/** Users to change per chunk (unclean users, in id order); each applied chunk is one transaction. */
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

/** What apply changes in one chunk: these users, as long as their state still hashes the same. */
export interface PlannedChunk {
  ids: number[];
  stateHash: string;
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

/**
 * The hash apply's recheck compares: the chunk's users' state texts in id order, joined by ';'
 * (migration 500). Fed one user at a time, so a chunk's texts are never held together.
 */
class ChunkHash {
  readonly ids: number[] = [];
  private readonly hash = createHash('sha256');

  constructor(readonly chunk: number) {}

  add(userId: number, stateText: string): void {
    this.hash.update(this.ids.length === 0 ? stateText : `;${stateText}`);
    this.ids.push(userId);
  }

  planned(): PlannedChunk {
    return { ids: this.ids, stateHash: this.hash.digest('hex') };
  }
}

/**
 * One hash for the whole plan: the action, the scope, what the preview saw beyond the chunks
 * (`extra`: the scope's size and every unclean user's state and decision, quarantined ones
 * included) and every chunk's users and state. It is also the key of the stored plan, and apply
 * recomputes it from what is stored, so a stored plan cannot say anything else.
 */
export function planFingerprint(request: RecoveryRequest, extra: string, chunks: PlannedChunk[]): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      'pointkeeper-recovery-2',
      request.action,
      scopeIds(request.scope) ?? request.scope,
      extra,
    ]),
  );
  for (const c of chunks) hash.update(`\n${c.ids.join(',')}:${c.stateHash}`);
  return hash.digest('hex');
}

const SKIPPED: ReadonlySet<RecoveryDecision> = new Set(['blocked_negative', 'investigate']);

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
 * transaction it would create, totals, and the fingerprint apply checks. The scope is read in
 * one set-based pass; the chunks apply will write are stored under the fingerprint
 * (recovery_plans), which is all the preview writes.
 */
export async function planRecovery(
  db: Knex,
  input: RecoveryRequest & { limit: number },
  options: ScanOptions = {},
): Promise<RecoveryPlan> {
  const ids = scopeIds(input.scope);
  if (ids) await checkUsersExist(db, ids);
  const size = options.chunkSize ?? DEFAULT_CHUNK_USERS;
  const totals = emptyTotals();
  const users: UserRecoveryPlan[] = [];
  const chunks: PlannedChunk[] = [];
  const extra = createHash('sha256');
  let listed = 0;
  await db.transaction(
    async (trx) => {
      const scope = await readScope(trx, { ids, size, onlyUnclean: input.scope === 'discrepancies' });
      totals.usersInScope = scope.inScope;
      extra.update(`${scope.inScope}`);
      let done = 0;
      const report = () => options.progress?.({ done, total: scope.unclean, message: 'users checked' });
      report();
      // The chunk being walked; the one before it is finished when the walk moves on.
      let current = new ChunkHash(-1);
      const close = (walked: ChunkHash) => {
        if (walked.ids.length > 0) chunks.push(walked.planned());
        report();
      };
      for await (const { chunk, state, stateText } of scopeUsers(trx, scope.evidence)) {
        if (options.signal?.aborted) throw new AppError('CANCELLED', 'Cancelled while reading the users.');
        if (current.chunk !== chunk) {
          if (current.chunk >= 0) close(current);
          current = new ChunkHash(chunk);
        }
        done++;
        const listing = listed++ < input.limit;
        const user = decide(input.action, state, listing);
        count(totals, user, storedBalance(state));
        if (listing) users.push(user);
        extra.update(
          `\n${stateText}:${user.decision}:${user.evidence.map((e) => `${e.kind}/${e.transactionId}`).join(',')}`,
        );
        // Blocked and quarantined users are left out: nothing unexplained is applied.
        if (!SKIPPED.has(user.decision)) current.add(state.userId, stateText);
      }
      if (current.chunk >= 0) close(current);
    },
    { isolationLevel: 'repeatable read' },
  );
  totals.chunks = chunks.length;
  const extraHash = extra.digest('hex');
  const fingerprint = planFingerprint(input, extraHash, chunks);
  await callWrite(db, 'pointkeeper_recovery_plan_save(?, ?, ?::jsonb, ?, ?::jsonb)', [
    fingerprint,
    input.action,
    JSON.stringify(input.scope),
    extraHash,
    JSON.stringify(chunks.map((c) => ({ ids: c.ids, hash: c.stateHash }))),
  ]);
  return {
    action: input.action,
    scope: input.scope,
    fingerprint,
    computedAt: new Date().toISOString(),
    totals,
    users,
    truncated: listed > input.limit,
  };
}
