/**
 * Earn and redeem throughput at 1, 8 and 32 clients against pgbench running the same SQL shape on
 * the same server, and user search latency against the same query sent by a bare pg client.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { benchDatabase, peakRss, percentile, row, type BenchDb, type BenchRow } from './support';

const run = promisify(execFile);
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';

/**
 * The reference of issue 14: the six statements one earn sent before the write API (lock, append
 * with the chain, both copies, the operations log, in one transaction), run by pgbench as the
 * server's superuser — the console now sends one function call instead.
 */
const EARN_SQL = `\\set uid random(1, :users)
BEGIN;
SELECT * FROM user_points WHERE user_id = :uid FOR UPDATE;
WITH v AS MATERIALIZED (SELECT nextval('points_transactions_id_seq')::int AS id, :uid::int AS user_id, 'earned'::text AS type, 10 AS points, 'bench'::text AS description, NULL::int AS order_id, NULL::numeric(12, 2) AS order_amount, NULL::int AS reverses_id, NULL::text AS idempotency_key, current_user::text AS created_by, now() AS created_at, coalesce((SELECT p.row_hash FROM points_transactions p WHERE p.user_id = :uid ORDER BY p.id DESC LIMIT 1), '\\x'::bytea) AS prev_hash) INSERT INTO points_transactions (id, user_id, type, points, description, order_id, order_amount, reverses_id, idempotency_key, created_by, created_at, prev_hash, row_hash) SELECT v.*, sha256(v.prev_hash || convert_to(pointkeeper_tx_content(v.id, v.user_id, v.type, v.points, v.description, v.order_id, v.order_amount, v.reverses_id, v.idempotency_key, v.created_by, v.created_at), 'UTF8')) FROM v RETURNING *;
WITH up AS (UPDATE user_points SET points = points + 10, total_earned = total_earned + 10, last_earned_at = now(), updated_at = now() WHERE user_id = :uid RETURNING user_id) UPDATE users SET rewards = rewards + 10, updated_at = now() WHERE id = (SELECT user_id FROM up);
INSERT INTO operations_log (action, input, outcome, result) VALUES ('points.earn', '{}', 'ok', '{}');
COMMIT;
`;
const REDEEM_SQL = EARN_SQL.replace(
  "'earned'::text AS type, 10 AS points",
  "'redeemed'::text AS type, -1 AS points",
)
  .replace(
    'points = points + 10, total_earned = total_earned + 10, last_earned_at = now()',
    'points = points - 1, total_redeemed = total_redeemed + 1',
  )
  .replace('rewards = rewards + 10', 'rewards = rewards - 1')
  .replace("'points.earn'", "'points.redeem'");

/** The same function the console calls, sent by pgbench: the console's own overhead is the gap. */
const EARN_FN = `\\set uid random(1, :users)
SELECT pointkeeper_earn(:uid, 10, 'bench');
`;
const REDEEM_FN = `\\set uid random(1, :users)
SELECT pointkeeper_redeem(:uid, 1, 'bench');
`;

async function pgbench(
  db: BenchDb,
  script: string,
  clients: number,
  seconds: number,
  users: number,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pk-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    await writeFile(file, script);
    const c = db.connection;
    const { stdout } = await run(
      PGBENCH,
      [
        '-n',
        '-h',
        c.host,
        '-p',
        String(c.port),
        '-U',
        c.user,
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, 2)),
        '-T',
        String(seconds),
        '-D',
        `users=${users}`,
        '-f',
        file,
        c.database,
      ],
      { env: { ...process.env, PGPASSWORD: c.password ?? '' } },
    );
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ours(
  db: BenchDb,
  kind: 'earn' | 'redeem',
  clients: number,
  seconds: number,
  users: number,
): Promise<number> {
  const pool = await db.withPool(clients);
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const userId = 1 + Math.floor(Math.random() * users);
      const r =
        kind === 'earn'
          ? await pool.dispatch('points.earn', { userId, points: 10, description: 'bench' })
          : await pool.dispatch('points.redeem', { userId, points: 1, description: 'bench' });
      if (!r.ok) throw new Error(r.error.message);
      done++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  await pool.close();
  return done / seconds;
}

async function searchLatency(db: BenchDb, samples: number): Promise<{ ours: number[]; bare: number[] }> {
  const names = (await db.session
    .knex('users')
    .orderByRaw('random()')
    .limit(samples)
    .pluck('name')) as string[];
  const client = new pg.Client(db.connection);
  await client.connect();
  const oursMs: number[] = [];
  const bareMs: number[] = [];
  for (const name of names) {
    const prefix = name.slice(0, 3).toLowerCase();
    let t = performance.now();
    const r = await db.dispatch('users.search', { query: prefix, limit: 50 });
    if (!r.ok) throw new Error(r.error.message);
    oursMs.push(performance.now() - t);
    t = performance.now();
    // The same two tiers users.search sends: name matches, then (if the page is not full) email-only ones.
    const byName = await client.query(
      `SELECT u.id, u.email, u.name, up.points, u.created_at, lower(u.name) COLLATE "C" AS k
       FROM users u LEFT JOIN user_points up ON up.user_id = u.id
       WHERE lower(u.name) COLLATE "C" LIKE $1 ORDER BY lower(u.name) COLLATE "C", u.id LIMIT 51`,
      [`${prefix}%`],
    );
    if (byName.rowCount! < 51)
      await client.query(
        `SELECT u.id, u.email, u.name, up.points, u.created_at, lower(u.email) COLLATE "C" AS k
         FROM users u LEFT JOIN user_points up ON up.user_id = u.id
         WHERE lower(u.email) COLLATE "C" LIKE $1 AND NOT (lower(u.name) COLLATE "C" LIKE $1)
         ORDER BY lower(u.email) COLLATE "C", u.id LIMIT $2`,
        [`${prefix}%`, 51 - byName.rowCount!],
      );
    bareMs.push(performance.now() - t);
  }
  await client.end();
  return { ours: oursMs.sort((a, b) => a - b), bare: bareMs.sort((a, b) => a - b) };
}

export async function run_(quick: boolean): Promise<BenchRow[]> {
  const users = quick ? 20_000 : 1_000_000;
  const transactions = quick ? 200_000 : 10_000_000;
  const seconds = quick ? 3 : 10;
  const db = await benchDatabase('pointkeeper_bench_ledger', { users, transactions });
  const rows: BenchRow[] = [];
  try {
    for (const clients of [1, 8, 32]) {
      for (const kind of ['earn', 'redeem'] as const) {
        const { result: tps, peakMb } = await peakRss(() => ours(db, kind, clients, seconds, users));
        const six = await pgbench(db, kind === 'earn' ? EARN_SQL : REDEEM_SQL, clients, seconds, users);
        const fn = await pgbench(db, kind === 'earn' ? EARN_FN : REDEEM_FN, clients, seconds, users);
        rows.push(
          row({
            name: `${kind} throughput, ${clients} client(s) (peak ${peakMb} MB)`,
            value: Math.round(tps),
            unit: 'ops/s',
            reference: Math.round(six),
            referenceName: "pgbench, the seed's six statements",
            goal: '≥ 1.2×',
          }),
          row({
            name: `${kind} throughput, ${clients} client(s), against the function alone`,
            value: Math.round(tps),
            unit: 'ops/s',
            reference: Math.round(fn),
            referenceName: 'pgbench, the same function call',
            goal: '≥ 0.8×',
          }),
        );
      }
    }
    const lat = await searchLatency(db, quick ? 100 : 300);
    rows.push(
      row({
        name: `user search p50 (${users.toLocaleString('en-US')} users)`,
        value: round(percentile(lat.ours, 50)),
        unit: 'ms',
        reference: round(percentile(lat.bare, 50)),
        referenceName: 'bare pg query',
      }),
    );
    rows.push(
      row({
        name: `user search p95 (${users.toLocaleString('en-US')} users)`,
        value: round(percentile(lat.ours, 95)),
        unit: 'ms',
        reference: round(percentile(lat.bare, 95)),
        referenceName: 'bare pg query',
        goal: '< 50 ms',
      }),
    );
  } finally {
    await db.close();
  }
  return rows;
}

const round = (n: number) => Math.round(n * 100) / 100;
export { run_ as run };
