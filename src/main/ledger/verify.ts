import type { Knex } from 'knex';
import type { VerifyCheck, VerifyReport } from '../../shared/contract';
import { chainBreaksQuery } from './chain';
import { findingsSql } from './audit/findings';
import { lotDiscrepanciesSql } from './expiry/check';

const EXAMPLES = 5;

type Check = (db: Knex) => Promise<Omit<VerifyCheck, 'ok'>>;

/** Stored balances and totals are never negative (the schema's CHECKs, verified, not assumed). */
const storedNonNegative: Check = async (db) => {
  const rows = (await db('user_points as up')
    .join('users as u', 'u.id', 'up.user_id')
    // void: knex ignores the callback's value, and a builder returned there looks like a promise.
    .where(
      (q) =>
        void q
          .where('up.points', '<', 0)
          .orWhere('up.total_earned', '<', 0)
          .orWhere('up.total_redeemed', '<', 0),
    )
    .orWhere('u.rewards', '<', 0)
    .select('up.user_id as userId', 'up.points', 'u.rewards')
    .limit(EXAMPLES)) as unknown[];
  return {
    name: 'stored-balances-not-negative',
    detail: 'user_points and users.rewards are ≥ 0',
    failures: rows.length,
    examples: rows,
  };
};

/** No user's log adds up to less than zero: points were never spent that were not there. */
const logNonNegative: Check = async (db) => {
  const rows = (await db('points_transactions')
    .groupBy('user_id')
    .havingRaw('sum(points) < 0')
    .select('user_id as userId', db.raw('sum(points)::int as balance'))
    .limit(EXAMPLES)) as unknown[];
  return {
    name: 'log-balances-not-negative',
    detail: 'SUM(points) per user is ≥ 0',
    failures: rows.length,
    examples: rows,
  };
};

/**
 * Every write the operations log says succeeded is in the ledger with the user and the points
 * the caller was told — a write acknowledged but lost would show here.
 */
const loggedWritesExist: Check = async (db) => {
  const rows = (await db
    .from('operations_log as o')
    .leftJoin('points_transactions as t', 't.id', db.raw("(o.result->>'transactionId')::int"))
    .where('o.outcome', 'ok')
    .whereIn('o.action', ['points.earn', 'points.redeem', 'points.reverse'])
    // A replace restore deliberately puts users back as they were in the backup (after a safety
    // backup, itself logged): writes acknowledged before it may be gone by design. Only the
    // restore function writes 'backup.restore.write' entries — no login can log one by hand.
    .whereRaw(
      `o.at > coalesce((SELECT max(r.at) FROM operations_log r WHERE r.action = 'backup.restore.write'
                          AND r.outcome = 'ok' AND r.input->>'mode' = 'replace'), '-infinity')`,
    )
    .where(
      (q) =>
        void q.whereNull('t.id').orWhereRaw(
          `t.points <> CASE o.action
             WHEN 'points.earn' THEN (o.result->>'pointsEarned')::int
             WHEN 'points.redeem' THEN -(o.result->>'pointsRedeemed')::int
             ELSE (o.result->>'pointsChange')::int END`,
        ),
    )
    .select('o.id as operationId', 'o.action', db.raw('o.result->>\'transactionId\' as "transactionId"'))
    .limit(EXAMPLES)) as unknown[];
  return {
    name: 'logged-writes-exist',
    detail:
      'every successful earn, redeem and reverse in operations_log (since the last replace restore) has its transaction, with the points reported',
    failures: rows.length,
    examples: rows,
  };
};

/**
 * The audit finds nothing for anyone: the same set-based findings as audit.user and the scan
 * (copies vs log, lifetime totals, missing rows, redemptions vs their debits), all users at once.
 */
const auditClean: Check = async (db) => {
  const sql = findingsSql(db, 0, 2_147_483_647, false);
  const result = await db.raw(
    `${sql.ctes}, findings AS (${sql.select})
     SELECT kind, count(*)::int AS users, (array_agg(user_id ORDER BY user_id))[1:3] AS "exampleUsers"
     FROM findings GROUP BY kind ORDER BY kind`,
    sql.bindings,
  );
  const rows = (result as { rows: Array<{ kind: string; users: number }> }).rows;
  return {
    name: 'audit-clean',
    detail:
      'the audit finds no discrepancy for any user (copies, lifetime totals, missing rows, redemptions)',
    failures: rows.reduce((sum, r) => sum + r.users, 0),
    examples: rows,
  };
};

/** Every user's hash chain verifies: no row altered, removed or slipped in behind the ledger. */
const chainsVerify: Check = async (db) => {
  const rows = (await chainBreaksQuery(db).orderBy('transaction_id').limit(EXAMPLES)) as unknown[];
  return {
    name: 'chains-verify',
    detail: "each row's hash covers its content and the user's previous row",
    failures: rows.length,
    examples: rows,
  };
};

/** Lots agree with the log: totals, uses, unfunded debits, expiries missing or duplicated. */
const lotsConsistent: Check = async (db) => {
  const { sql, bindings } = lotDiscrepanciesSql(null);
  const rows = (
    (await db.raw(
      `SELECT kind, count(*)::int AS n, (array_agg("userId" ORDER BY "userId"))[1:3] AS "exampleUsers"
       FROM (${sql}) d GROUP BY kind ORDER BY kind`,
      bindings,
    )) as { rows: Array<{ kind: string; n: number }> }
  ).rows;
  return {
    name: 'lots-consistent',
    detail:
      "each user's open lots add up to the log's balance, no lot is used beyond its points, every due lot expired once",
    failures: rows.reduce((sum, r) => sum + r.n, 0),
    examples: rows,
  };
};

export const CHECKS: Check[] = [
  storedNonNegative,
  logNonNegative,
  loggedWritesExist,
  auditClean,
  chainsVerify,
  lotsConsistent,
];

/** Runs every invariant in one REPEATABLE READ snapshot, so they judge the same moment. */
export async function verifyLedger(db: Knex): Promise<VerifyReport> {
  const started = performance.now();
  const checks = await db.transaction(
    async (trx) => {
      const out: VerifyCheck[] = [];
      for (const check of CHECKS) {
        const r = await check(trx);
        out.push({ ...r, ok: r.failures === 0 });
      }
      return out;
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
  return {
    ok: checks.every((c) => c.ok),
    checkedAt: new Date().toISOString(),
    seconds: Math.round((performance.now() - started) / 10) / 100,
    checks,
  };
}
