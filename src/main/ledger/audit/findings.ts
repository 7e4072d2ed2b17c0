import type { Knex } from 'knex';
import type { DiscrepancyKind } from '../../../shared/contract/audit';
import { chainBreaksQuery, type ChainBreakKind } from '../chain';
import { logSumsQuery } from '../logTotals';

/** One discrepancy as the SQL finds it, before it is explained (see ./explain.ts). */
export interface Finding {
  user_id: number;
  kind: DiscrepancyKind;
  stored: number | null;
  expected: number | null;
  /** The user's balance according to the log (for before → after of a recommendation). */
  log_balance: number;
  transaction_id: number | null;
  previous_id: number | null;
  redemption_id: number | null;
  /** Chain breaks: which kind of break the first one is. */
  detail: ChainBreakKind | null;
}

export const FINDING_COLUMNS = [
  'user_id',
  'kind',
  'stored',
  'expected',
  'log_balance',
  'transaction_id',
  'previous_id',
  'redemption_id',
  'detail',
] as const;

/** The findings statement in two parts, so a caller can wrap the final SELECT. */
export interface FindingsSql {
  /** `WITH lt AS (…), figures AS (…), redemptions AS (…)`: lt has one row per user with rows. */
  ctes: string;
  /** The SELECT of every finding, columns FINDING_COLUMNS. */
  select: string;
  bindings: Knex.RawBinding[];
}

/**
 * Every discrepancy of the users whose id is in [lo, hi], set-based: the log's per-user totals
 * joined to the stored copies and unpivoted into one row per failed check, the redemptions
 * checked against their debits, and (optionally) each user's first chain break. audit.user runs
 * it for [id, id] and the scan for ranges of ids, so both find exactly the same things.
 */
export function findingsSql(
  db: Knex,
  lo: number,
  hi: number,
  verifyChain: boolean,
  /** The scan's tables, read instead of the log (see ScanTables). */
  tables?: ScanTables,
): FindingsSql {
  const chain = verifyChain
    ? `UNION ALL
       SELECT b.user_id, 'chain_broken', NULL, NULL, coalesce(lt.balance, 0), b.transaction_id, b.previous_id, NULL, b.kind
       FROM (SELECT DISTINCT ON (user_id) * FROM (?) cb ORDER BY user_id, transaction_id) b
       LEFT JOIN lt ON lt.user_id = b.user_id`
    : '';
  const bindings: Knex.RawBinding[] = [
    (tables ? db(tables.totals).select('*') : logSumsQuery(db)).whereBetween('user_id', [lo, hi]),
    ...(tables ? [lo, hi] : [lo, hi, lo, hi]),
    tables
      ? db(tables.redemptions).select('*').whereBetween('user_id', [lo, hi])
      : db.raw(redemptionsSql(true), [lo, hi, lo, hi]),
  ];
  if (verifyChain) bindings.push(chainBreaksQuery(db, [lo, hi]));
  const figures = tables ? `SELECT * FROM ${tables.figures} WHERE user_id BETWEEN ? AND ?` : figuresSql(true);
  return {
    ctes: `WITH lt AS ${tables ? 'NOT MATERIALIZED ' : ''}(?), figures AS MATERIALIZED (${figures}), redemptions AS (?)`,
    select: `${SELECT} ${chain}`,
    bindings,
  };
}

/**
 * The scan's figures table: every user one check fails for, over all users at once (one pass of
 * hash joins), for its chunks to read by range instead of joining each range's users, copies and
 * totals anew. `lt` must name the log's totals for everyone (the scan's totals table).
 */
export function suspectFiguresSql(totals: string): string {
  return `WITH lt AS (SELECT * FROM ${totals})
    SELECT * FROM (${figuresSql(false)}) figures WHERE ${CHECKS.map(([, , , broken]) => `(${broken})`).join(' OR ')}`;
}

/** The scan's per-scan tables: the log read once for every user rather than once per chunk. */
export interface ScanTables {
  /** logSumsQuery's rows for every user. */
  totals: string;
  /** suspectFiguresSql's rows: the figures of the users a check fails for. */
  figures: string;
  /** redemptionsSql's rows for every user, only those a check can fail on (REDEMPTION_SUSPECT). */
  redemptions: string;
}

/**
 * Each redemption beside the log row it says paid for it: whether that debit matches and whether
 * it was reversed. Over a range of users (two pairs of bindings: lo, hi, lo, hi) or over everyone.
 */
export function redemptionsSql(range: boolean): string {
  return `SELECT r.id, r.user_id, r.points_spent, r.cancelled_at, r.tx_id, r.debit_matches,
              rev.id IS NOT NULL AS reversed, r.debit
       FROM (SELECT r.id, r.user_id, r.points_spent, r.cancelled_at,
                    (d.id IS NOT NULL AND d.points = -r.points_spent) AS debit_matches,
                    coalesce(-d.points, 0) AS debit,
                    -- Whatever else it names (a row of another type) is looked up by id only when
                    -- it names no debit, which a sound ledger never does: the finding names that row.
                    CASE WHEN d.id IS NOT NULL THEN d.id
                         ELSE (SELECT o.id FROM points_transactions o
                               WHERE o.id = r.transaction_id AND o.user_id = r.user_id) END AS tx_id
             FROM user_points_redemptions r
             -- The debit, looked for among the log's debits only: hashing every row of the log to
             -- find the 15 % that are debits spilled to disk on a stock server (PG 15, 10M rows:
             -- 4.6 s → 2.7 s). A debit of another user is no debit for this redemption.
             LEFT JOIN (SELECT id, user_id, points FROM points_transactions
                        WHERE type = 'redeemed'${range ? ' AND user_id BETWEEN ? AND ?' : ''}) d
               ON d.id = r.transaction_id AND d.user_id = r.user_id
             ${range ? 'WHERE r.user_id BETWEEN ? AND ?' : ''}) r
       -- A join, not IN (SELECT reverses_id …): the planner runs the scan's pass over everyone with
       -- its parallel workers this way (7 s against 9–12 s at 2M rows on PG15), as the hand-written
       -- aggregate. reverses_id is unique: one reversal at most per debit, so no row is repeated.
       -- Without a debit (tx_id NULL) both checks hold or fail whatever reversed says. Only
       -- reversals can match (a NULL reverses_id equals nothing): said outright, the planner reads
       -- them from the reverses_id index instead of hashing the whole log a second time (on
       -- PG 15 at 8.3M rows, beside other work: 8.5 s → 6.3 s for this pass).
       LEFT JOIN (SELECT id, reverses_id FROM points_transactions WHERE reverses_id IS NOT NULL) rev
         ON rev.reverses_id = r.tx_id`;
}

/** A redemption paid by no (or the wrong, or a reversed) debit. */
const UNPAID = 'r.cancelled_at IS NULL AND (NOT r.debit_matches OR r.reversed)';
/** A cancelled redemption whose debit still stands. */
const CANCELLED_DEBITED = 'r.cancelled_at IS NOT NULL AND r.debit > 0 AND NOT r.reversed';

/** The redemptions either check can fail on: the only ones the scan needs to keep. */
export const REDEMPTION_SUSPECT = `(${UNPAID}) OR (${CANCELLED_DEBITED})`;

/** findingsSql as one statement that returns the findings. */
export function findingsQuery(db: Knex, lo: number, hi: number, verifyChain: boolean): Knex.Raw {
  const sql = findingsSql(db, lo, hi, verifyChain);
  return db.raw(`${sql.ctes} ${sql.select}`, sql.bindings);
}

/**
 * Each user's stored copies beside the log's totals (a CTE `lt`): what the checks compare. Over
 * the ids in a range (two pairs of bindings: lo, hi, lo, hi) or over every user.
 */
function figuresSql(range: boolean): string {
  return `SELECT u.id AS user_id, u.rewards, up.user_id IS NOT NULL AS has_row, up.points, up.total_earned,
              up.total_redeemed, lt.user_id IS NOT NULL AS has_log, coalesce(lt.balance, 0) AS balance,
              coalesce(lt.credits, 0) AS credits, coalesce(lt.debits, 0) AS debits,
              CASE WHEN up.user_id IS NOT NULL THEN up.points ELSE u.rewards END AS stored_balance
       FROM users u
       -- The range again on the row's own key: an outer join does not pass u.id's range to it, and
       -- without it every chunk read all of user_points.
       LEFT JOIN user_points up ON up.user_id = u.id${range ? ' AND up.user_id BETWEEN ? AND ?' : ''}
       LEFT JOIN lt ON lt.user_id = u.id
       ${range ? 'WHERE u.id BETWEEN ? AND ?' : ''}`;
}

/** The checks on the figures: kind, stored, expected, and when it is broken. */
const CHECKS: ReadonlyArray<readonly [DiscrepancyKind, string, string, string]> = [
  ['balance_mismatch', 'points', 'balance', 'has_row AND has_log AND points <> balance'],
  ['earned_mismatch', 'total_earned', 'credits', 'has_row AND total_earned <> credits'],
  ['redeemed_mismatch', 'total_redeemed', 'debits', 'has_row AND total_redeemed <> debits'],
  // Left to balance_without_transactions when nothing in the log explains a stored balance: one cause, one finding.
  ['legacy_mismatch', 'rewards', 'balance', 'rewards <> balance AND (has_log OR stored_balance = 0)'],
  ['missing_user_points', 'NULL', 'balance', 'has_log AND NOT has_row'],
  ['balance_without_transactions', 'stored_balance', '0', 'NOT has_log AND stored_balance <> 0'],
  ['negative_balance', 'balance', '0', 'has_log AND balance < 0'],
];

// One plain filtered scan of the materialised figures per check: far cheaper than unpivoting
// every user through a LATERAL VALUES list.
const SELECT = [
  ...CHECKS.map(
    ([kind, stored, expected, broken]) =>
      `SELECT user_id, '${kind}'::text AS kind, (${stored})::bigint AS stored, (${expected})::bigint AS expected,
              balance::bigint AS log_balance, NULL::int AS transaction_id, NULL::int AS previous_id,
              NULL::int AS redemption_id, NULL::text AS detail
       FROM figures WHERE ${broken}`,
  ),
  // The log balance from lt, not figures: the scan's figures hold only the users a check fails for.
  `SELECT r.user_id, 'redemption_without_transaction', r.points_spent,
          CASE WHEN r.reversed THEN 0 ELSE r.debit END, coalesce(lt.balance, 0), r.tx_id, NULL, r.id, NULL
   FROM redemptions r LEFT JOIN lt ON lt.user_id = r.user_id
   WHERE ${UNPAID}`,
  `SELECT r.user_id, 'transaction_without_redemption', r.debit, 0, coalesce(lt.balance, 0), r.tx_id, NULL, r.id, NULL
   FROM redemptions r LEFT JOIN lt ON lt.user_id = r.user_id
   WHERE ${CANCELLED_DEBITED}`,
].join('\nUNION ALL\n');
