/**
 * Issue 21: an expiry run over N due lots beside one set-based INSERT … SELECT of the same rows
 * (goal ≤ 2×), and redeem throughput with lots kept by the trigger against the same redeems with
 * the trigger disabled (goal: within 10 %). Quick: 20,000 lots; full: 1,000,000
 * (EXPIRY_BENCH_LOTS overrides either).
 */
import type { ExpiryRunResult } from '../src/shared/contract';
import type { Result } from '../src/shared/result';
import { benchDatabase, row, type BenchDb, type BenchRow } from './support';

const LOTS_PER_USER = 2;

async function seed(db: BenchDb, lots: number): Promise<number> {
  const k = db.session.knex;
  const users = Math.ceil(lots / LOTS_PER_USER);
  // Bonus credits fall due at once: a policy no admin can set, written by the bench's superuser.
  await k.raw(`INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
               VALUES ('bonus', interval '0', now() - interval '1 day', 'bench')`);
  await k.raw(
    `INSERT INTO users (id, email, name) SELECT i, 'b' || i || '@example.test', 'Bench ' || i
               FROM generate_series(1, ?::int) i`,
    [users],
  );
  // Sealed like any write, set-based per 100,000 users: one never-expiring credit (the redeems'
  // balance) and LOTS_PER_USER due bonus lots each; the trigger opens every lot.
  for (let from = 1; from <= users; from += 100_000) {
    const to = Math.min(users, from + 99_999);
    await k.raw(
      `WITH s AS (
         SELECT nextval('points_transactions_id_seq')::int AS id, u AS user_id,
                CASE WHEN n = 0 THEN 'earned' ELSE 'bonus' END AS type, CASE WHEN n = 0 THEN 10000 ELSE 50 END AS points,
                'bench'::text AS description, session_user::text AS created_by, now() AS created_at
         FROM generate_series(?::int, ?::int) u, generate_series(0, ?::int) n ORDER BY u, n)
       INSERT INTO points_transactions (id, user_id, type, points, description, created_by, created_at, prev_hash, row_hash)
       SELECT id, user_id, type, points, description, created_by, created_at,
              coalesce(lag(h) OVER w, '\\x'::bytea), h
       FROM (SELECT s.*, pointkeeper_hmac_chain(NULL::bytea, pointkeeper_tx_content(s.id, s.user_id, s.type, s.points,
                       s.description, NULL, NULL, NULL, NULL, s.created_by, s.created_at), pointkeeper__key())
                       OVER (PARTITION BY s.user_id ORDER BY s.id) AS h FROM s) x
       WINDOW w AS (PARTITION BY user_id ORDER BY id)`,
      [from, to, LOTS_PER_USER],
    );
  }
  await k.raw(`INSERT INTO user_points (user_id, points, total_earned, total_redeemed, last_earned_at)
               SELECT user_id, sum(points), sum(points), 0, max(created_at) FROM points_transactions GROUP BY user_id`);
  await k.raw(`UPDATE users u SET rewards = up.points FROM user_points up WHERE up.user_id = u.id`);
  await k.raw('VACUUM ANALYZE');
  return users;
}

/** The rows the run wrote, inserted again in one statement, chained with the key the same way. */
async function insertSelectSame(db: BenchDb): Promise<number> {
  const k = db.session.knex;
  await k.raw('CREATE TABLE bench_expired_copy (LIKE points_transactions INCLUDING ALL)');
  const t = performance.now();
  await k.raw(
    `INSERT INTO bench_expired_copy (id, user_id, type, points, description, expires_lot_id, created_by, created_at,
       prev_hash, row_hash)
     SELECT x.id, x.user_id, x.type, x.points, x.description, x.expires_lot_id, x.created_by, x.created_at,
            coalesce(lag(x.h) OVER w, x.seed), x.h
     FROM (SELECT e.*, s.seed, pointkeeper_hmac_chain(s.seed, pointkeeper_tx_content(e.id, e.user_id, e.type, e.points,
                    e.description, NULL, NULL, NULL, NULL, e.created_by, e.created_at), pointkeeper__key())
                    OVER (PARTITION BY e.user_id ORDER BY e.id) AS h
           FROM points_transactions e
           JOIN LATERAL (SELECT p.row_hash AS seed FROM points_transactions p WHERE p.user_id = e.user_id AND p.id < e.id
                         AND p.type <> 'expired' ORDER BY p.id DESC LIMIT 1) s ON true
           WHERE e.type = 'expired') x
     WINDOW w AS (PARTITION BY x.user_id ORDER BY x.id)`,
  );
  return (performance.now() - t) / 1000;
}

async function redeems(db: BenchDb, clients: number, seconds: number, users: number): Promise<number> {
  const pool = await db.withPool(clients);
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const userId = 1 + Math.floor(Math.random() * users);
      const r = await pool.dispatch('points.redeem', { userId, points: 1, description: 'bench' });
      if (!r.ok) throw new Error(r.error.message);
      done++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  await pool.close();
  return done / seconds;
}

export async function run(quick: boolean): Promise<BenchRow[]> {
  const lots = Number(process.env.EXPIRY_BENCH_LOTS ?? (quick ? 20_000 : 1_000_000));
  const seconds = quick ? 3 : 10;
  const db = await benchDatabase('pointkeeper_bench_expiry');
  try {
    const users = await seed(db, lots);
    // Redeems first, while every user still has open lots to spend in order.
    const k = db.session.knex;
    const withLots: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < 2; round++) {
      withLots.push(await redeems(db, 8, seconds, users));
      await k.raw('ALTER TABLE points_transactions DISABLE TRIGGER points_transactions_lots');
      without.push(await redeems(db, 8, seconds, users));
      await k.raw('ALTER TABLE points_transactions ENABLE TRIGGER points_transactions_lots');
    }
    // The redeems made without the trigger left lots behind the log: rebuild them (recovery) first.
    const ids = (await k('points_transactions').where({ type: 'redeemed' }).distinct('user_id')) as Array<{
      user_id: number;
    }>;
    for (let i = 0; i < ids.length; i += 10_000)
      await k.raw('SELECT pointkeeper_lots_rebuild(?::int[])', [
        ids.slice(i, i + 10_000).map((r) => r.user_id),
      ]);
    await k.raw('VACUUM ANALYZE points_lots, points_lot_uses');

    const t = performance.now();
    const r = (await db.dispatch('expiry.run', {
      asOf: new Date().toISOString(),
      chunkUsers: 5_000,
    })) as Result<ExpiryRunResult>;
    if (!r.ok) throw new Error(r.error.message);
    const expirySeconds = (performance.now() - t) / 1000;
    const reference = await insertSelectSame(db);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return [
      row({
        name: `expiry run, ${r.data.lots.toLocaleString('en-US')} lots of ${users.toLocaleString('en-US')} users`,
        value: Math.round(expirySeconds * 100) / 100,
        unit: 's',
        reference: Math.round(reference * 100) / 100,
        referenceName: 'one INSERT … SELECT of the same rows, chained',
        goal: '≤ 2×',
      }),
      row({
        name: 'redeem throughput with lots, 8 clients',
        value: Math.round(avg(withLots)),
        unit: 'ops/s',
        reference: Math.round(avg(without)),
        referenceName: 'the same redeems, lot trigger disabled',
        goal: '≥ 0.9×',
      }),
    ];
  } finally {
    await db.close();
  }
}
