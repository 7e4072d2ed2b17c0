import type { Knex } from 'knex';
import type { DemoResult, ParsedInput } from '../../shared/contract';
import { DISCREPANCY_SEEDS } from '../../shared/contract/demo';
import type { Progress } from '../../shared/progress';
import { AppError } from '../errors';
import { insertSealed } from '../ledger/chain';
import { FIRST_NAMES, LAST_NAMES, REWARDS } from './names';

const CHUNK_USERS = 50_000;
const SIGNUP_POINTS = 50;
/** Share of all transactions that are redemptions; the rest are credits. */
const DEBIT_SHARE = 0.15;

interface ChunkPlan {
  firstId: number;
  count: number;
  credits: number;
  debitsPerUser: number;
}

async function ensureRewards(trx: Knex.Transaction): Promise<number[]> {
  const existing = await trx('points_rewards').where({ active: true }).pluck('id');
  if (existing.length > 0) return existing as number[];
  return (await trx('points_rewards').insert(REWARDS).returning('id')).map((r: { id: number }) => r.id);
}

/** Users of the chunk, each with a signup credit on the day they joined. */
async function insertUsers(trx: Knex.Transaction, c: ChunkPlan): Promise<void> {
  await trx.raw(
    `INSERT INTO users (id, email, name, created_at, updated_at)
     SELECT g, lower(f) || '.' || lower(l) || '.' || g || '@example.com', f || ' ' || l, ts, ts
     FROM (SELECT g, (?::text[])[1 + floor(random() * ?)::int] AS f, (?::text[])[1 + floor(random() * ?)::int] AS l,
                  now() - interval '60 days' - random() * interval '670 days' AS ts
           FROM generate_series(?::int, ?::int) g) x`,
    [FIRST_NAMES, FIRST_NAMES.length, LAST_NAMES, LAST_NAMES.length, c.firstId, c.firstId + c.count - 1],
  );
  await trx.raw(
    `INSERT INTO demo_tx (user_id, type, points, description, created_at)
     SELECT id, 'signup', ?, 'Welcome bonus', created_at FROM users WHERE id BETWEEN ? AND ?`,
    [SIGNUP_POINTS, c.firstId, c.firstId + c.count - 1],
  );
}

/** Order credits (70 %, each with its order) and bonuses, all before the last 30 days. */
async function insertCredits(trx: Knex.Transaction, c: ChunkPlan): Promise<void> {
  if (c.credits <= 0) return;
  await trx.raw(
    `WITH picks AS MATERIALIZED (
       SELECT p.user_id, p.r, u.created_at + (now() - interval '30 days' - u.created_at) * random() AS at,
              (10 + floor(random() * 490))::int AS pts
       FROM (SELECT ? + floor(random() * ?)::int AS user_id, random() AS r FROM generate_series(1, ?)) p
       JOIN users u ON u.id = p.user_id
     ), o AS (
       INSERT INTO orders (user_id, amount, created_at)
       SELECT user_id, round((pts / 2.0 + random() * 5)::numeric, 2), at FROM picks WHERE r < 0.7
       RETURNING id, user_id, amount, created_at
     )
     INSERT INTO demo_tx (user_id, order_id, type, points, description, order_amount, created_at)
     SELECT user_id, id, 'earned', greatest(1, least(10000, floor(amount * 2)::int)), 'Order #' || id || ' completed', amount, created_at FROM o
     UNION ALL
     SELECT user_id, NULL, 'bonus', pts, 'Promotional bonus', NULL, at FROM picks WHERE r >= 0.7`,
    [c.firstId, c.count, c.credits],
  );
}

/**
 * Redemptions in the last 30 days, each the exact cost of a catalogue reward, and never more
 * than 70 % of what the user earned, so every running balance stays above zero.
 */
async function insertDebits(trx: Knex.Transaction, c: ChunkPlan, rewardIds: number[]): Promise<boolean> {
  if (c.debitsPerUser <= 0) return false;
  await trx.raw(
    `CREATE TEMP TABLE demo_debits ON COMMIT DROP AS
     WITH credit AS (
       SELECT user_id, sum(points) AS earned FROM demo_tx GROUP BY user_id
     ), cand AS (
       SELECT c.user_id, c.earned, g, (?::int[])[1 + floor(random() * ?)::int] AS reward_id,
              now() - random() * interval '30 days' AS at
       FROM credit c CROSS JOIN generate_series(1, ?) g
     ), priced AS (
       SELECT cand.*, r.cost, r.validity_days, r.name,
              sum(r.cost) OVER (PARTITION BY cand.user_id ORDER BY g) AS spent
       FROM cand JOIN points_rewards r ON r.id = cand.reward_id
     )
     SELECT nextval('points_transactions_id_seq')::int AS tx_id, user_id, reward_id, cost, validity_days, name, at
     FROM priced WHERE spent <= earned * 0.7`,
    [rewardIds, rewardIds.length, c.debitsPerUser],
  );
  await trx.raw(
    `INSERT INTO demo_tx (id, user_id, type, points, description, created_at)
     SELECT tx_id, user_id, 'redeemed', -cost, 'Redeemed: ' || name, at FROM demo_debits`,
  );
  return true;
}

/**
 * The chunk's rows enter the log in one pass with their hash chain; redemptions follow, since
 * they reference their transactions.
 */
async function sealAndRedeem(trx: Knex.Transaction, debits: boolean): Promise<void> {
  // Credits, then debits (whose ids are all higher): each statement is one the lot trigger
  // applies set-based, where a mixed one would go row by row.
  await trx.raw('CREATE TEMP TABLE demo_tx_debits ON COMMIT DROP AS SELECT * FROM demo_tx WHERE points < 0');
  await trx.raw('DELETE FROM demo_tx WHERE points < 0');
  await insertSealed(trx, 'demo_tx');
  await insertSealed(trx, 'demo_tx_debits');
  await trx.raw('INSERT INTO demo_tx SELECT * FROM demo_tx_debits');
  if (!debits) return;
  await trx.raw(
    `INSERT INTO user_points_redemptions (user_id, points_reward_id, transaction_id, points_spent, is_used, used_at, expires_at, created_at)
     SELECT user_id, reward_id, tx_id, cost, u, CASE WHEN u THEN at + interval '1 hour' END, at + validity_days * interval '1 day', at
     FROM (SELECT *, random() < 0.5 AS u FROM demo_debits) d`,
  );
}

/**
 * The derived copies, computed as sync would from the chunk's log rows — all of them are in the
 * staging table, since its users are new. Reading them back from the log by user range cost a
 * pass over the whole growing log per chunk: quadratic in the size of the demo.
 */
async function deriveCopies(trx: Knex.Transaction, c: ChunkPlan): Promise<void> {
  const range = [c.firstId, c.firstId + c.count - 1];
  await trx.raw(
    `INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at, created_at, updated_at)
     SELECT user_id, sum(points), coalesce(sum(points) FILTER (WHERE points > 0), 0),
            coalesce(-sum(points) FILTER (WHERE points < 0), 0), max(created_at) FILTER (WHERE points > 0), min(created_at), now()
     FROM demo_tx GROUP BY user_id`,
  );
  await trx.raw(
    `UPDATE users u SET rewards = up.points FROM user_points up WHERE up.user_id = u.id AND u.id BETWEEN ? AND ?`,
    range,
  );
}

async function seedDiscrepancies(
  db: Knex,
  firstId: number,
  lastId: number,
  count: number,
): Promise<DemoResult['discrepancies']> {
  if (count === 0) return [];
  const ids = (await db('users')
    .whereBetween('id', [firstId, lastId])
    .orderByRaw('random()')
    .limit(count)
    .pluck('id')) as number[];
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

/**
 * Demo data made on the server with set-based SQL (generate_series), one transaction per chunk
 * of users, so a million users and ten million transactions take minutes, not hours.
 */
export async function generateDemo(
  db: Knex,
  input: ParsedInput<'demo.generate'>,
  progress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<DemoResult> {
  const started = performance.now();
  const before = await db('users').max({ max: 'id' }).first();
  const firstId = ((before?.max as number | null) ?? 0) + 1;
  if (firstId === 1) await demoPolicies(db);
  const perUser = input.transactions / input.users;
  const rewardIds = await db.transaction(ensureRewards);
  const chunks = Math.ceil(input.users / CHUNK_USERS);
  for (let i = 0; i < chunks; i++) {
    if (signal.aborted)
      throw new AppError('CANCELLED', `Demo data cancelled after ${i * CHUNK_USERS} users.`);
    const count = Math.min(CHUNK_USERS, input.users - i * CHUNK_USERS);
    const plan: ChunkPlan = {
      firstId: firstId + i * CHUNK_USERS,
      count,
      credits: Math.max(0, Math.round(count * perUser * (1 - DEBIT_SHARE)) - count),
      debitsPerUser: Math.ceil(perUser * DEBIT_SHARE),
    };
    await db.transaction(async (trx) => {
      // The chunk's log rows are staged first so their hash chain is computed in one pass.
      await trx.raw('CREATE TEMP TABLE demo_tx (LIKE points_transactions INCLUDING DEFAULTS) ON COMMIT DROP');
      await insertUsers(trx, plan);
      await insertCredits(trx, plan);
      const debits = await insertDebits(trx, plan, rewardIds);
      await sealAndRedeem(trx, debits);
      await deriveCopies(trx, plan);
    });
    progress({ done: i * CHUNK_USERS + count, total: input.users, message: 'users' });
  }
  const lastId = firstId + input.users - 1;
  // Explicit ids were inserted: move the sequence past them.
  await db.raw(`SELECT setval('users_id_seq', greatest((SELECT max(id) FROM users), 1))`);
  const discrepancies = await seedDiscrepancies(db, firstId, lastId, input.discrepancies);
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
