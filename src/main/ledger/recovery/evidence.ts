import type { Knex } from 'knex';
import type { RecoveryEvidence } from '../../../shared/contract/recovery';
import { chainBreakMessage } from '../audit/explain';
import type { ChainBreakKind } from '../chain';

/** Rows of evidence kept per user: enough to act on, bounded for a plan of a million users. */
const MAX_PER_USER = 10;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Chain breaks of the users in `table` (the chain's own check, restricted to them). */
async function chainEvidence(db: Knex, table: string): Promise<Map<number, RecoveryEvidence[]>> {
  const out = new Map<number, RecoveryEvidence[]>();
  // One call for the whole scope: the database hashes only these users' rows, in one pass its
  // parallel workers share, and remembers who it found intact, so apply does not hash their
  // rows again unless they changed.
  const rows = (await db
    .from(db.raw('pointkeeper_recovery_chain_evidence(ARRAY(SELECT id FROM ??)) AS l', [table]))
    .select('l.user_id', 'l.transaction_id', 'l.previous_id', 'l.kind')
    .orderBy(['l.user_id', 'l.transaction_id'])) as Array<{
    user_id: number;
    transaction_id: number;
    previous_id: number | null;
    kind: ChainBreakKind;
  }>;
  for (const r of rows) {
    const list = out.get(r.user_id) ?? [];
    if (list.length < MAX_PER_USER)
      list.push({
        kind: r.kind,
        transactionId: r.transaction_id,
        detail: `The chain says ${chainBreakMessage(r.kind, r.transaction_id, r.previous_id)}.`,
      });
    out.set(r.user_id, list);
  }
  return out;
}

/**
 * Writes the operations log says succeeded whose transaction is gone from the log (or holds
 * other points): a row removed behind the application's back, the user's last included, which
 * leaves no successor for the chain to notice. Since the last replace restore, which puts users
 * back as they were on purpose.
 */
async function loggedWriteEvidence(db: Knex, table: string): Promise<Map<number, RecoveryEvidence[]>> {
  const r = (await db.raw(
    `WITH since AS (SELECT coalesce(max(at), '-infinity') AS at FROM operations_log
                    WHERE action = 'backup.restore.apply' AND outcome = 'ok' AND input->>'mode' = 'replace'),
     ops AS (
       SELECT o.id, o.action, (o.result->>'transactionId')::int AS tx,
              CASE o.action WHEN 'points.earn' THEN (o.result->>'pointsEarned')::int
                            WHEN 'points.redeem' THEN -(o.result->>'pointsRedeemed')::int
                            ELSE (o.result->>'pointsChange')::int END AS points,
              coalesce((o.input->>'userId')::int,
                       (SELECT p.user_id FROM points_transactions p WHERE p.id = (o.result->>'reversedTransactionId')::int)) AS user_id
       FROM operations_log o, since
       WHERE o.outcome = 'ok' AND o.action IN ('points.earn', 'points.redeem', 'points.reverse') AND o.at > since.at)
     SELECT ops.id, ops.action, ops.tx, ops.points, ops.user_id, t.points AS found
     FROM ops LEFT JOIN points_transactions t ON t.id = ops.tx
     WHERE ops.user_id IN (SELECT id FROM ??) AND (t.id IS NULL OR t.points <> ops.points)
     ORDER BY ops.user_id, ops.tx`,
    [table],
  )) as {
    rows: Array<{
      id: string;
      action: string;
      tx: number;
      points: number;
      user_id: number;
      found: number | null;
    }>;
  };
  const out = new Map<number, RecoveryEvidence[]>();
  for (const row of r.rows) {
    const list = out.get(row.user_id) ?? [];
    if (list.length < MAX_PER_USER)
      list.push({
        kind: 'logged_write_missing',
        transactionId: row.tx,
        detail:
          row.found === null
            ? `Operation ${row.id} (${row.action}) wrote transaction ${row.tx} of ${fmt(row.points)} points; the log no longer has it: it was removed.`
            : `Operation ${row.id} (${row.action}) wrote transaction ${row.tx} with ${fmt(row.points)} points; the log now says ${fmt(row.found)}: it was altered.`,
      });
    out.set(row.user_id, list);
  }
  return out;
}

/**
 * What the plan cannot vouch for about each (unclean) user listed in `table` (a table of the
 * caller's transaction with an `id` column): their chain's breaks and logged writes the log no
 * longer holds, read for the whole scope at once. Only users with evidence are in the map; a
 * user with any is quarantined (`investigate`) rather than credited or lowered.
 */
export async function scopeEvidence(db: Knex, table: string): Promise<Map<number, RecoveryEvidence[]>> {
  // One after the other: inside a transaction both would queue on its one connection anyway.
  const chain = await chainEvidence(db, table);
  const logged = await loggedWriteEvidence(db, table);
  for (const [id, list] of logged) chain.set(id, [...(chain.get(id) ?? []), ...list]);
  return chain;
}
