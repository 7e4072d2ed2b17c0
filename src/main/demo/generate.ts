import type { Knex } from 'knex';
import type { DemoResult, ParsedInput } from '../../shared/contract';
import { DISCREPANCY_SEEDS } from '../../shared/contract/demo';
import type { Progress } from '../../shared/progress';
import { copyFrom } from '../db/copyFrom';
import { AppError } from '../errors';
import { REWARDS } from './names';
import { seededRandom, type Random } from './random';
import {
  chunkCopy,
  COPY_COLUMNS,
  drawChunk,
  sampleIds,
  type ChunkDraw,
  type ChunkShape,
  type DemoReward,
} from './rows';

/**
 * Users per chunk: one transaction each, with progress between them. A chunk's rows are held as
 * COPY text while it is written (25,000 users peaked at 825 MB), so this bounds memory.
 */
const CHUNK_USERS = 10_000;
/** Share of all transactions that are redemptions; the rest are credits. */
const DEBIT_SHARE = 0.15;
/** Where a seeded demo's history ends: fixed, so a seed gives the same data on any day. */
const SEEDED_ANCHOR = Date.parse('2026-12-01T00:00:00Z');
/**
 * Chunks the database seals at once, each in its own session, while this process draws and
 * COPYs the next: the seal is one backend's work (one HMAC a row, in order per user), so with
 * one chunk at a time a second core idled (1M users / 10M transactions on PG 15: the seals alone
 * were 395 s of a 2-core machine's run).
 */
const SEALS_IN_FLIGHT = 2;
/** Lines per write to a COPY stream. */
const COPY_BATCH = 2_000;

async function ensureRewards(trx: Knex.Transaction): Promise<DemoReward[]> {
  const existing = (await trx('points_rewards').where({ active: true }).orderBy('id')) as DemoReward[];
  if (existing.length > 0) return existing;
  return (await trx('points_rewards').insert(REWARDS).returning(['id', 'name', 'cost'])) as DemoReward[];
}

/** `count` ids of a sequence, consecutive, for rows whose ids are written in their text. */
async function reserve(trx: Knex.Transaction, sequence: string, count: number): Promise<number> {
  if (count === 0) return 0;
  const { rows } = (await trx.raw(
    'SELECT setval(?::regclass, nextval(?::regclass) + ? - 1) - ? + 1 AS first',
    [sequence, sequence, count, count],
  )) as { rows: Array<{ first: string }> };
  return Number(rows[0]!.first);
}

/** Streams lines into one COPY on the transaction's connection, a batch at a time. */
export function copyLines(trx: Knex.Transaction, sql: string, lines: Iterable<string>): Promise<void> {
  return copyFrom(trx, sql, async (write) => {
    let batch: string[] = [];
    for (const line of lines) {
      batch.push(line);
      if (batch.length === COPY_BATCH) {
        await write(batch.join(''));
        batch = [];
      }
    }
    if (batch.length > 0) await write(batch.join(''));
  });
}

/**
 * A chunk's first half, on its own transaction: users and orders COPYed straight into their
 * tables (no chain covers them) and the log rows COPYed into pg_temp.demo_tx. Ids are reserved
 * here, chunk after chunk, so a seed gives the same ids however the halves overlap.
 */
async function copyChunk(trx: Knex.Transaction, draw: ChunkDraw): Promise<void> {
  const firstOrder = await reserve(trx, 'orders_id_seq', draw.orders);
  const firstTx = await reserve(trx, 'points_transactions_id_seq', draw.transactions);
  const rows = chunkCopy(draw, firstOrder, firstTx);
  await copyLines(trx, `COPY users (${COPY_COLUMNS.users}) FROM STDIN`, rows.users);
  // Skips the per-row foreign-key and lots triggers for this transaction only: each order's user
  // is one just written, and pointkeeper_demo_seal does the triggers' work on the log set-based
  // (see migrations/20261202_630_demo_bulk.ts). Superusers only, as the demo is.
  await trx.raw('SET LOCAL session_replication_role = replica');
  await copyLines(trx, `COPY orders (${COPY_COLUMNS.orders}) FROM STDIN`, rows.orders);
  await trx.raw(`CREATE TEMP TABLE demo_tx (id integer, user_id integer, type text, points integer, description text,
    order_id integer, order_amount numeric(12, 2), created_at timestamptz, reward_id integer, is_used boolean)
    ON COMMIT DROP`);
  await copyLines(trx, `COPY demo_tx (${COPY_COLUMNS.transactions}) FROM STDIN`, rows.transactions);
}

/**
 * Its second half: pointkeeper_demo_seal, which holds the key, seals the staged rows into the log
 * and writes lots, redemptions and balance rows. Only the database works here, so the next
 * chunk is drawn and COPYed meanwhile on another connection.
 */
async function sealChunk(trx: Knex.Transaction): Promise<void> {
  // The definer function runs as its owner, which reads the caller's staged rows.
  const { rows: owner } = (await trx.raw(
    `SELECT proowner::regrole::text AS owner FROM pg_proc WHERE oid = 'pointkeeper_demo_seal()'::regprocedure`,
  )) as { rows: Array<{ owner: string }> };
  await trx.raw(`GRANT SELECT ON demo_tx TO ??`, [owner[0]!.owner]);
  await trx.raw('SELECT pointkeeper_demo_seal()');
  await trx.raw('SET LOCAL session_replication_role = origin');
}

/**
 * Seals a copied chunk and commits it once the chunk before it has committed (`before`), or
 * rolls it back — also when the chunk before it failed. Commits stay in chunk order while seals
 * overlap, so a failure leaves the committed chunks a prefix of whole chunks. Settles only once
 * its transaction has ended.
 */
async function sealAndCommit(trx: Knex.Transaction, before: Promise<void>): Promise<void> {
  try {
    await sealChunk(trx);
    await before;
  } catch (error) {
    await trx.rollback().catch(() => undefined);
    throw error;
  }
  await trx.commit();
}

async function seedDiscrepancies(
  db: Knex,
  random: Random,
  firstId: number,
  lastId: number,
  count: number,
): Promise<DemoResult['discrepancies']> {
  if (count === 0) return [];
  const ids = sampleIds(random, firstId, lastId, count);
  const seeded: DemoResult['discrepancies'] = [];
  await db.transaction(async (trx) => {
    for (const [i, userId] of ids.entries()) {
      const kind = DISCREPANCY_SEEDS[i % DISCREPANCY_SEEDS.length]!;
      const up = trx('user_points').where({ user_id: userId });
      if (kind === 'balance_mismatch') await up.increment('points', 100);
      else if (kind === 'earned_mismatch') await up.increment('total_earned', 200);
      else if (kind === 'redeemed_mismatch') await up.increment('total_redeemed', 50);
      else if (kind === 'missing_user_points') await up.delete();
      else await trx('users').where({ id: userId }).increment('rewards', 37);
      seeded.push({ userId, kind });
    }
  });
  return seeded;
}

/**
 * A new demo's points expire as a programme's would (earned after 12 months, bonuses after 90
 * days), in force since before its history begins, so its users have lots expiring soon and
 * lots already due for an expiry run. Written as the owner, like the rest of the demo.
 */
async function demoPolicies(db: Knex): Promise<void> {
  await db.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('earned', interval '12 months', '2000-01-01T00:00:00Z', 'demo'),
            ('bonus', interval '90 days', '2000-01-01T00:00:00Z', 'demo')
     ON CONFLICT (credit_type, effective_from) DO NOTHING`,
  );
}

/** A demo's draws: its seeded source, the moment its history ends, and its chunks. */
export interface DemoDraws {
  random: Random;
  anchor: number;
  chunks: number;
  /** The i-th chunk's users and histories; call in order (they share one random source). */
  draw(i: number): ChunkDraw;
}

/**
 * The demo's data, chunk by chunk, as a function of the seed and the sizes (and the first user
 * id and reward catalogue, which a fresh database fixes). A run without a seed draws one and
 * ends its history now.
 */
export function demoDraws(
  input: { users: number; transactions: number; seed?: number | undefined },
  firstUserId: number,
  rewards: DemoReward[],
  chunkUsers = CHUNK_USERS,
): DemoDraws {
  const random = seededRandom(input.seed ?? Math.floor(Math.random() * 2 ** 32));
  const anchor = input.seed === undefined ? Date.now() : SEEDED_ANCHOR;
  const perUser = input.transactions / input.users;
  return {
    random,
    anchor,
    chunks: Math.ceil(input.users / chunkUsers),
    draw(i) {
      const users = Math.min(chunkUsers, input.users - i * chunkUsers);
      const shape: ChunkShape = {
        firstUserId: firstUserId + i * chunkUsers,
        users,
        credits: Math.max(0, Math.round(users * perUser * (1 - DEBIT_SHARE)) - users),
        debitsPerUser: Math.ceil(perUser * DEBIT_SHARE),
      };
      return drawChunk(random, shape, rewards, anchor);
    },
  };
}

/**
 * Demo data drawn here from a seeded source and written with COPY, one transaction per chunk of
 * users, the chain sealed set-based in the database: a million users and ten million
 * transactions in minutes, the same data for the same seed.
 *
 * Several chunks are in flight at once: while the database seals two (SEALS_IN_FLIGHT), each in
 * its own session, this process draws and COPYs the next on another connection, so both cores
 * work. Each chunk still commits alone, in order; a failure rolls back the chunk it hit and those
 * after it, and leaves the committed ones whole.
 */
export async function generateDemo(
  db: Knex,
  input: ParsedInput<'demo.generate'>,
  progress: (p: Progress) => void,
  signal: AbortSignal,
  options: { chunkUsers?: number } = {},
): Promise<DemoResult> {
  const started = performance.now();
  const chunkUsers = options.chunkUsers ?? CHUNK_USERS;
  const before = await db('users').max({ max: 'id' }).first();
  const firstId = ((before?.max as number | null) ?? 0) + 1;
  if (firstId === 1) await demoPolicies(db);
  const rewards = await db.transaction(ensureRewards);
  const draws = demoDraws(input, firstId, rewards, chunkUsers);
  const usersIn = (chunks: number) => Math.min(input.users, chunks * chunkUsers);
  // The chunks being sealed, oldest first; each settles once its transaction has ended.
  const sealing: Array<Promise<void>> = [];
  const settled = () => Promise.allSettled(sealing);
  for (let i = 0; i < draws.chunks; i++) {
    if (signal.aborted) {
      await settled();
      await Promise.all(sealing);
      throw new AppError(
        'CANCELLED',
        `Demo data cancelled after ${usersIn(i).toLocaleString('en-US')} users.`,
      );
    }
    const draw = draws.draw(i);
    const trx = await db.transaction();
    try {
      await copyChunk(trx, draw);
      if (sealing.length === SEALS_IN_FLIGHT) await sealing.shift();
    } catch (error) {
      await trx.rollback().catch(() => undefined);
      await settled();
      throw error;
    }
    // Every chunk before the oldest still sealing has committed.
    const committed = i - sealing.length;
    if (committed > 0) progress({ done: usersIn(committed), total: input.users, message: 'users' });
    const sealed = sealAndCommit(trx, sealing.at(-1) ?? Promise.resolve());
    // Awaited later: a failure meanwhile must not count as an unhandled rejection.
    sealed.catch(() => undefined);
    sealing.push(sealed);
  }
  // The last chunks, in order; every transaction has ended before an error is reported.
  const last = await settled();
  for (const [k, r] of last.entries()) {
    if (r.status === 'rejected') throw r.reason;
    progress({ done: usersIn(draws.chunks - last.length + k + 1), total: input.users, message: 'users' });
  }
  const lastId = firstId + input.users - 1;
  // Explicit ids were inserted: move the sequence past them.
  await db.raw(`SELECT setval('users_id_seq', greatest((SELECT max(id) FROM users), 1))`);
  const discrepancies = await seedDiscrepancies(db, draws.random, firstId, lastId, input.discrepancies);
  await db.raw('ANALYZE users, orders, points_transactions, user_points, user_points_redemptions');
  const counts = (await db
    .select(
      db.raw('(SELECT count(*) FROM points_transactions WHERE user_id BETWEEN ? AND ?) AS transactions', [
        firstId,
        lastId,
      ]),
      db.raw('(SELECT count(*) FROM orders WHERE user_id BETWEEN ? AND ?) AS orders', [firstId, lastId]),
      db.raw('(SELECT count(*) FROM user_points_redemptions WHERE user_id BETWEEN ? AND ?) AS redemptions', [
        firstId,
        lastId,
      ]),
    )
    .first()) as { transactions: number; orders: number; redemptions: number };
  return {
    users: input.users,
    ...counts,
    firstUserId: firstId,
    lastUserId: lastId,
    discrepancies,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export async function isEmpty(db: Knex): Promise<boolean> {
  return !(await db('users').first('id'));
}
