/**
 * Issue 20, item 3: `demo` against COPY FROM of the same generated rows (same seed, same
 * generator) into bare tables — no indexes, triggers, keys or chain — measured in the same run on
 * the same server. Goal: 1M users / 10M transactions in < 300 s. Quick: 100,000 users / 1,000,000
 * transactions; full: 1,000,000 / 10,000,000 (DEMO_BENCH_USERS, DEMO_BENCH_TRANSACTIONS override).
 */
import type { Knex } from 'knex';
import { copyLines, demoDraws } from '../src/main/demo/generate';
import type { DemoResult } from '../src/shared/contract';
import { chunkCopy, COPY_COLUMNS, type DemoReward } from '../src/main/demo/rows';
import { benchDatabase, callInOwnProcess, row, type BenchRow } from './support';

const SEED = 20;

/** The same rows as the demo writes, COPYed into tables with nothing on them. */
async function copyBare(
  k: Knex,
  users: number,
  transactions: number,
  rewards: DemoReward[],
): Promise<number> {
  await k.raw(`CREATE TABLE bare_users (id integer, email text, name text, rewards integer, created_at timestamptz,
    updated_at timestamptz)`);
  await k.raw(
    'CREATE TABLE bare_orders (id integer, user_id integer, amount numeric(12, 2), created_at timestamptz)',
  );
  await k.raw(`CREATE TABLE bare_tx (id integer, user_id integer, type text, points integer, description text,
    order_id integer, order_amount numeric(12, 2), created_at timestamptz, reward_id integer, is_used boolean)`);
  const started = performance.now();
  const draws = demoDraws({ users, transactions, seed: SEED }, 1, rewards);
  let orders = 1;
  let tx = 1;
  for (let i = 0; i < draws.chunks; i++) {
    const draw = draws.draw(i);
    const rows = chunkCopy(draw, orders, tx);
    orders += draw.orders;
    tx += draw.transactions;
    await k.transaction(async (trx) => {
      await copyLines(trx, `COPY bare_users (${COPY_COLUMNS.users}) FROM STDIN`, rows.users);
      await copyLines(trx, `COPY bare_orders (${COPY_COLUMNS.orders}) FROM STDIN`, rows.orders);
      await copyLines(trx, `COPY bare_tx (${COPY_COLUMNS.transactions}) FROM STDIN`, rows.transactions);
    });
  }
  return (performance.now() - started) / 1000;
}

export async function run(quick: boolean): Promise<BenchRow[]> {
  const users = Number(process.env.DEMO_BENCH_USERS ?? (quick ? 100_000 : 1_000_000));
  const transactions = Number(process.env.DEMO_BENCH_TRANSACTIONS ?? (quick ? 1_000_000 : 10_000_000));
  const size = `${users.toLocaleString('en-US')} users / ${transactions.toLocaleString('en-US')} tx`;
  const db = await benchDatabase('bench_demo');
  const bare = await benchDatabase('bench_demo_bare');
  try {
    // In a process of its own: the generator's memory is then its own, and does not stay in this
    // process's figures after it.
    const r = await callInOwnProcess<DemoResult>(db.connection, 'demo.generate', {
      users,
      transactions,
      discrepancies: 0,
      seed: SEED,
    });
    const result = { seconds: r.seconds, rows: r.data.transactions };
    const peakMb = r.peakMb;
    const rewards = (await db.session.knex('points_rewards').orderBy('id')) as DemoReward[];
    const reference = await copyBare(bare.session.knex, users, transactions, rewards);
    const seconds = Math.round(result.seconds * 10) / 10;
    return [
      row({
        name: `demo ${size} (${result.rows.toLocaleString('en-US')} rows)`,
        value: seconds,
        unit: 's',
        reference: Math.round(reference * 10) / 10,
        referenceName: 'COPY FROM of the same rows into bare tables',
        goal: quick ? '< 30 s at this size (< 300 s at 1M / 10M)' : '< 300 s',
      }),
      row({
        name: `demo ${size}: peak memory`,
        value: peakMb,
        unit: 'MB',
        reference: 300,
        referenceName: 'bound',
        goal: '< 300 MB',
      }),
    ];
  } finally {
    await db.close();
    await bare.close();
  }
}
