/**
 * sync --all (preview, then apply in chunks, each checked and locked) against the least anyone
 * could do: one hand-written UPDATE … FROM (aggregate of the log) in the same session, on the
 * same damage. Time and this process's peak memory, each as a ratio.
 *
 * The reference reads the log once and checks nothing. Sync's preview reads it once (one
 * aggregate, set-based) and checks the keyed hash chain of every unclean user: it hashes each of
 * their rows (the quarantine's evidence) unless their rows are exactly the versions a record says
 * were found intact — written by the functions that sealed them (the seed comes from the demo's
 * seal) or by an earlier check (migrations 690, 700). Apply reads only the changed users' rows,
 * once per chunk under their locks, and hashes only rows changed since. A second row measures the
 * same sync with the records emptied, every unclean user's rows hashed.
 */
import type { Knex } from 'knex';
import { benchDatabase, peakRss, row, type BenchDb, type BenchRow } from './support';

/**
 * Every tenth user's balance, every tenth's legacy copy and every tenth's lifetime total. The
 * legacy copy is lowered: one raised above both the balance and the log is quarantined for a
 * person to decide, which sync rightly leaves alone.
 */
export async function damage(knex: Knex): Promise<number> {
  await knex.raw('UPDATE user_points SET points = points + 7 WHERE user_id % 10 = 0');
  await knex.raw('UPDATE users SET rewards = rewards - 1 WHERE id % 10 = 5 AND rewards > 0');
  await knex.raw('UPDATE user_points SET total_earned = total_earned + 3 WHERE user_id % 10 = 3');
  return unclean(knex);
}

/** Users whose copies disagree with the log, counted independently of the code measured. */
async function unclean(knex: Knex): Promise<number> {
  const r = await knex.raw(`
    SELECT count(*)::int AS n FROM users u
    LEFT JOIN user_points up ON up.user_id = u.id
    LEFT JOIN (SELECT user_id, sum(points) AS s, coalesce(sum(points) FILTER (WHERE points > 0), 0) AS e
               FROM points_transactions GROUP BY user_id) t ON t.user_id = u.id
    WHERE coalesce(up.points, 0) <> coalesce(t.s, 0) OR u.rewards <> coalesce(t.s, 0)
       OR coalesce(up.total_earned, 0) <> coalesce(t.e, 0)`);
  return (r.rows[0] as { n: number }).n;
}

const REFERENCE_SQL = `
  WITH t AS (
    SELECT user_id, sum(points) AS s, coalesce(sum(points) FILTER (WHERE points > 0), 0) AS e,
           coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS r, max(created_at) FILTER (WHERE points > 0) AS le
    FROM points_transactions GROUP BY user_id
  ), up AS (
    UPDATE user_points p SET points = t.s, total_earned = t.e, total_redeemed = t.r, last_earned_at = t.le, updated_at = now()
    FROM t WHERE p.user_id = t.user_id
      AND (p.points, p.total_earned, p.total_redeemed, p.last_earned_at) IS DISTINCT FROM (t.s, t.e, t.r, t.le)
  )
  UPDATE users u SET rewards = t.s, updated_at = now() FROM t WHERE u.id = t.user_id AND u.rewards <> t.s`;

async function ours(db: BenchDb): Promise<{ planSeconds: number; applySeconds: number; changed: number }> {
  let t = performance.now();
  const plan = await db.dispatch('recovery.plan', { action: 'sync', scope: 'all', limit: 0 });
  if (!plan.ok) throw new Error(plan.error.message);
  const planSeconds = (performance.now() - t) / 1000;
  const { fingerprint } = plan.data as { fingerprint: string };
  t = performance.now();
  const run = await db.dispatch('recovery.apply', { action: 'sync', scope: 'all', fingerprint });
  if (!run.ok) throw new Error(run.error.message);
  return {
    planSeconds,
    applySeconds: (performance.now() - t) / 1000,
    changed: (run.data as { usersChanged: number }).usersChanged,
  };
}

async function reference(knex: Knex, workMem?: string): Promise<number> {
  const t = performance.now();
  await knex.transaction(async (trx) => {
    if (workMem) await trx.raw(`SET LOCAL work_mem = '${workMem}'`);
    await trx.raw(REFERENCE_SQL);
  });
  return (performance.now() - t) / 1000;
}

const round = (n: number) => Math.round(n * 100) / 100;

export async function run(quick: boolean): Promise<BenchRow[]> {
  // RECOVERY_BENCH_USERS / RECOVERY_BENCH_TRANSACTIONS: a size between quick and full.
  const users = Number(process.env.RECOVERY_BENCH_USERS ?? (quick ? 20_000 : 1_000_000));
  const transactions = Number(process.env.RECOVERY_BENCH_TRANSACTIONS ?? (quick ? 200_000 : 10_000_000));
  const db = await benchDatabase('pointkeeper_bench_recovery', { users, transactions });
  const knex = db.session.knex;
  try {
    const broken = await damage(knex);
    const mine = await peakRss(() => ours(db));
    if ((await unclean(knex)) !== 0 || mine.result.changed !== broken) {
      throw new Error(`sync left the data unclean or changed ${mine.result.changed} of ${broken} users`);
    }
    await damage(knex);
    const ref = await peakRss(() => reference(knex));
    if ((await unclean(knex)) !== 0) throw new Error('the reference UPDATE left the data unclean');
    // The preview's scope pass runs with 128 MB of work_mem; the goal stays against the server's
    // setting, and this shows what the same setting is worth to the reference.
    await damage(knex);
    const refTuned = await reference(knex, '128MB');
    // The same sync with no record of a checked chain (a ledger written before migration 700, or
    // after a crash emptied the unlogged records): the preview hashes every unclean user's rows.
    await damage(knex);
    await knex.raw('TRUNCATE recovery_chain_verified');
    const cold = await ours(db);
    if ((await unclean(knex)) !== 0 || cold.changed !== broken)
      throw new Error('the cold sync left the data unclean');
    const label = `${users.toLocaleString('en-US')} users, ${broken.toLocaleString('en-US')} broken`;
    const total = mine.result.planSeconds + mine.result.applySeconds;
    return [
      row({
        name: `sync --all, preview + apply (${label})`,
        value: round(total),
        unit: 's',
        reference: round(ref.result),
        referenceName: 'one UPDATE … FROM (aggregate), same session',
        goal: '≤ 2×',
      }),
      row({
        name: `sync --all, preview + apply, no chain records: every unclean user hashed (${label})`,
        value: round(cold.planSeconds + cold.applySeconds),
        unit: 's',
        reference: round(ref.result),
        referenceName: 'one UPDATE … FROM (aggregate), same session',
      }),
      row({
        name: 'the reference UPDATE … FROM with work_mem = 128 MB (as the preview sets for its scope)',
        value: round(refTuned),
        unit: 's',
        reference: round(ref.result),
        referenceName: "the same SQL with the server's work_mem",
      }),
      row({
        name: `sync --all, apply only (${label})`,
        value: round(mine.result.applySeconds),
        unit: 's',
        reference: round(ref.result),
        referenceName: 'one UPDATE … FROM (aggregate), same session',
        goal: '≤ 1.5×',
      }),
      row({
        name: `sync --all, peak memory of this process (${label})`,
        value: mine.peakMb,
        unit: 'MB',
        reference: ref.peakMb,
        referenceName: 'same process during the UPDATE',
        goal: 'flat in N',
      }),
    ];
  } finally {
    await db.close();
  }
}
