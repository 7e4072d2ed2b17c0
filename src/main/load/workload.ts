import type { Knex } from 'knex';
import type { Dispatcher } from '../api/registry';
import { isCallName } from '../../shared/contract';

/** What a load run does; `audit` is included once the audit calls exist in the contract. */
export const LOAD_KINDS = ['earn', 'redeem', 'reverse', 'history', 'audit'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface LoadOptions {
  clients: number;
  operations: number;
  /** The users the workload touches (a small pool makes the user locks contend). */
  userIds: number[];
  /** Relative weights per kind. */
  mix?: Partial<Record<LoadKind, number>>;
  /** Share of writes sent twice at once with one idempotency key (must be paid once). */
  duplicateShare?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface KindFigures {
  count: number;
  ok: number;
  /** Refused by the ledger as it should be (insufficient points, already reversed…). */
  refused: number;
  /** Anything else: a bug or an outage. */
  failed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface LoadReport {
  clients: number;
  operations: number;
  seconds: number;
  opsPerSecond: number;
  byKind: Partial<Record<LoadKind, KindFigures>>;
  /** Σ of what successful calls said they changed, against what the database holds now. */
  points: { expectedChange: number; balanceChange: number; logChange: number };
  /** Users whose stored balance or log sum differs from what the successful calls add up to. */
  lostOrDuplicatedUsers: number[];
  duplicateSubmissions: number;
  /** Rows written for duplicated submissions beyond the one each should write. */
  duplicateRowsWritten: number;
  errors: string[];
}

const DEFAULT_MIX: Record<LoadKind, number> = { earn: 40, redeem: 25, reverse: 10, history: 20, audit: 5 };
const EXPECTED_REFUSALS = new Set(['INSUFFICIENT_POINTS', 'CONFLICT', 'VALIDATION']);

/** A small, seeded generator: a rerun with the same seed makes the same choices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function totals(db: Knex, userIds: number[]): Promise<Map<number, { balance: number; log: number }>> {
  const rows = (await db('users as u')
    .leftJoin('user_points as up', 'up.user_id', 'u.id')
    .whereIn('u.id', userIds)
    .select(
      'u.id',
      db.raw('coalesce(up.points, 0)::int as balance'),
      db.raw(
        '(select coalesce(sum(t.points), 0)::int from points_transactions t where t.user_id = u.id) as log',
      ),
    )) as Array<{ id: number; balance: number; log: number }>;
  return new Map(rows.map((r) => [r.id, { balance: r.balance, log: r.log }]));
}

function figures(latencies: number[], counts: { ok: number; refused: number; failed: number }): KindFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length
      ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10
      : 0;
  return { count: sorted.length, ...counts, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99) };
}

/**
 * A bounded mixed workload from `clients` concurrent callers through the real dispatcher,
 * ending in a reconciliation: every point the successful calls reported is in the balances and
 * in the log, and no duplicated submission was paid twice.
 */
export async function runLoad(db: Knex, dispatch: Dispatcher, options: LoadOptions): Promise<LoadReport> {
  const random = mulberry32(options.seed ?? 1);
  const weights = { ...DEFAULT_MIX, ...options.mix };
  if (!isCallName('audit.user')) weights.audit = 0;
  const kinds = LOAD_KINDS.filter((k) => weights[k] > 0);
  const totalWeight = kinds.reduce((s, k) => s + weights[k], 0);
  const pick = (): LoadKind => {
    let r = random() * totalWeight;
    for (const k of kinds) if ((r -= weights[k]) < 0) return k;
    return kinds[0]!;
  };
  const userOf = () => options.userIds[Math.floor(random() * options.userIds.length)]!;
  const before = await totals(db, options.userIds);
  const expected = new Map<number, number>(options.userIds.map((id) => [id, 0]));
  const credit = (userId: number, points: number) =>
    expected.set(userId, (expected.get(userId) ?? 0) + points);
  const latencies = new Map<LoadKind, number[]>();
  const counts = new Map<LoadKind, { ok: number; refused: number; failed: number }>();
  const errors: string[] = [];
  /** Transactions this run created, with their owner: the ones `reverse` picks from. */
  const created: Array<{ id: number; userId: number }> = [];
  const duplicateKeys: string[] = [];
  const runId = `load-${Date.now().toString(36)}-${Math.floor(random() * 1e9).toString(36)}`;
  let issued = 0;
  let done = 0;

  const record = (kind: LoadKind, ms: number, outcome: 'ok' | 'refused' | 'failed') => {
    (latencies.get(kind) ?? latencies.set(kind, []).get(kind)!).push(ms);
    const c = counts.get(kind) ?? counts.set(kind, { ok: 0, refused: 0, failed: 0 }).get(kind)!;
    c[outcome]++;
  };

  async function one(n: number): Promise<void> {
    const kind = pick();
    const userId = userOf();
    const key = `${runId}-${n}`;
    const duplicate = (kind === 'earn' || kind === 'redeem') && random() < (options.duplicateShare ?? 0.05);
    let name: string;
    let input: Record<string, unknown>;
    let owner = userId;
    switch (kind) {
      case 'earn':
        name = 'points.earn';
        input = {
          userId,
          points: 1 + Math.floor(random() * 200),
          description: 'load earn',
          idempotencyKey: key,
        };
        break;
      case 'redeem':
        name = 'points.redeem';
        input = {
          userId,
          points: 1 + Math.floor(random() * 150),
          description: 'load redeem',
          idempotencyKey: key,
        };
        break;
      case 'reverse': {
        const target = created.length ? created[Math.floor(random() * created.length)]! : null;
        if (!target) return one(n); // nothing to reverse yet: do something else instead
        name = 'points.reverse';
        input = { transactionId: target.id, reason: 'load reversal' };
        owner = target.userId;
        break;
      }
      case 'history':
        name = 'points.history';
        input = { userId, limit: 50 };
        break;
      case 'audit':
        name = 'audit.user';
        input = { userId, limit: 20 };
        break;
    }
    const started = performance.now();
    const calls = duplicate ? [dispatch(name, input), dispatch(name, input)] : [dispatch(name, input)];
    const results = await Promise.all(calls);
    const ms = performance.now() - started;
    if (duplicate) duplicateKeys.push(key);
    const first = results[0]!;
    if (first.ok) {
      record(kind, ms, 'ok');
      const data = first.data as {
        transactionId?: number;
        pointsEarned?: number;
        pointsRedeemed?: number;
        pointsChange?: number;
        replayed?: boolean;
      };
      if (kind === 'earn') credit(userId, data.pointsEarned!);
      if (kind === 'redeem') credit(userId, -data.pointsRedeemed!);
      if (kind === 'reverse') credit(owner, data.pointsChange!);
      if ((kind === 'earn' || kind === 'redeem') && data.transactionId)
        created.push({ id: data.transactionId, userId });
    } else if (EXPECTED_REFUSALS.has(first.error.code)) {
      record(kind, ms, 'refused');
    } else {
      record(kind, ms, 'failed');
      if (errors.length < 20) errors.push(`${name}: [${first.error.code}] ${first.error.message}`);
    }
    // Both copies of a duplicated submission must agree: the second is a replay, not a payment.
    if (duplicate && results[1]!.ok !== first.ok && errors.length < 20) {
      errors.push(`${name} with key ${key}: the two copies disagreed`);
    }
  }

  const started = performance.now();
  const worker = async () => {
    while (issued < options.operations && !options.signal?.aborted) {
      const n = issued++;
      await one(n);
      done++;
      options.onProgress?.(done, options.operations);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, worker));
  const seconds = (performance.now() - started) / 1000;

  const after = await totals(db, options.userIds);
  const lost: number[] = [];
  let expectedChange = 0;
  let balanceChange = 0;
  let logChange = 0;
  for (const id of options.userIds) {
    const b = before.get(id)!;
    const a = after.get(id)!;
    const e = expected.get(id) ?? 0;
    expectedChange += e;
    balanceChange += a.balance - b.balance;
    logChange += a.log - b.log;
    if (a.balance - b.balance !== e || a.log - b.log !== e) lost.push(id);
  }
  const dupRows = duplicateKeys.length
    ? Number(
        (
          (await db('points_transactions')
            .whereIn('idempotency_key', duplicateKeys)
            .count({ n: '*' })
            .first()) as { n: string }
        ).n,
      )
    : 0;
  const byKind: Partial<Record<LoadKind, KindFigures>> = {};
  for (const k of kinds)
    byKind[k] = figures(latencies.get(k) ?? [], counts.get(k) ?? { ok: 0, refused: 0, failed: 0 });
  return {
    clients: options.clients,
    operations: done,
    seconds: Math.round(seconds * 100) / 100,
    opsPerSecond: Math.round(done / seconds),
    byKind,
    points: { expectedChange, balanceChange, logChange },
    lostOrDuplicatedUsers: lost,
    duplicateSubmissions: duplicateKeys.length,
    // A refused duplicated redeem writes no row at all, so count only keys that did write.
    duplicateRowsWritten: Math.max(0, dupRows - duplicateKeys.length),
    errors,
  };
}
