import type { Knex } from 'knex';
import type { ExpiringByMonth, ExpiryPreview, ExpiryRunResult } from '../../../shared/contract';
import { AppError } from '../../errors';
import type { Progress } from '../../../shared/progress';
import { iso } from '../dates';
import { callWrite } from '../writeApi';

const DUE = `l.remaining > 0 AND l.expires_at IS NOT NULL AND l.expired_by IS NULL AND l.expires_at <= ?::timestamptz`;

async function serverNow(db: Knex): Promise<Date> {
  return ((await db.raw('SELECT now() AS now')) as { rows: Array<{ now: Date }> }).rows[0]!.now;
}

async function resolveAsOf(db: Knex, asOf: string | undefined): Promise<string> {
  const now = await serverNow(db);
  if (asOf === undefined) return iso(now);
  if (new Date(asOf) > now)
    throw new AppError(
      'VALIDATION',
      `as-of ${asOf} is in the future: points expire only once their date has passed.`,
    );
  return iso(asOf);
}

/** What a run as of `asOf` would expire, read only. */
export async function previewExpiry(db: Knex, input: { asOf?: string | undefined }): Promise<ExpiryPreview> {
  const asOf = await resolveAsOf(db, input.asOf);
  const [totals, byType, sample] = await Promise.all([
    db.raw(
      `SELECT count(DISTINCT l.user_id)::int AS users, count(*)::int AS lots, coalesce(sum(l.remaining), 0)::bigint AS points
       FROM points_lots l WHERE ${DUE}`,
      [asOf],
    ) as Promise<{ rows: Array<{ users: number; lots: number; points: string }> }>,
    db.raw(
      `SELECT l.credit_type AS type, count(*)::int AS lots, sum(l.remaining)::bigint AS points
       FROM points_lots l WHERE ${DUE} GROUP BY l.credit_type ORDER BY l.credit_type`,
      [asOf],
    ) as Promise<{ rows: Array<{ type: string; lots: number; points: string }> }>,
    db.raw(
      `SELECT l.id AS "lotId", l.user_id AS "userId", l.credit_type AS type, l.remaining AS points,
              l.expires_at AS "expiresAt"
       FROM points_lots l WHERE ${DUE} ORDER BY l.expires_at, l.id LIMIT 20`,
      [asOf],
    ) as Promise<{
      rows: Array<{ lotId: number; userId: number; type: string; points: number; expiresAt: Date }>;
    }>,
  ]);
  const t = totals.rows[0]!;
  return {
    asOf,
    users: t.users,
    lots: t.lots,
    points: Number(t.points),
    byType: byType.rows.map((r) => ({ ...r, points: Number(r.points) })),
    sample: sample.rows.map((r) => ({ ...r, expiresAt: iso(r.expiresAt) })),
  };
}

interface ChunkResult {
  users: number;
  lots: number;
  points: number;
  lastUserId: number | null;
  done: boolean;
}

/**
 * Chunk after chunk, each its own transaction (one call of pointkeeper_expire): stopping
 * between chunks leaves every committed one whole, and running again finishes the rest — a lot
 * once expired is never due again.
 */
export async function runExpiry(
  db: Knex,
  input: { asOf: string; chunkUsers: number },
  ctx: { signal: AbortSignal; progress: (p: Progress) => void },
): Promise<ExpiryRunResult> {
  const asOf = await resolveAsOf(db, input.asOf);
  const started = performance.now();
  const total = (await previewExpiry(db, { asOf })).users;
  const sum = { users: 0, lots: 0, points: 0, chunks: 0 };
  let after = 0;
  for (;;) {
    if (ctx.signal.aborted)
      throw new AppError('CANCELLED', `Expiry stopped after ${sum.chunks} chunk(s); run it again to finish.`);
    const r = await callWrite<ChunkResult>(db, 'pointkeeper_expire(?::timestamptz, ?, ?)', [
      asOf,
      after,
      input.chunkUsers,
    ]);
    sum.users += r.users;
    sum.lots += r.lots;
    sum.points += Number(r.points);
    if (r.lots > 0 || r.users > 0) sum.chunks += 1;
    ctx.progress({ done: sum.users, total, message: `${sum.lots} lots expired` });
    if (r.done || r.lastUserId === null) break;
    after = r.lastUserId;
  }
  return { asOf, ...sum, seconds: Math.round((performance.now() - started) / 10) / 100 };
}

/** Points still open, by the month (UTC) their lots expire: what finance books as expiring. */
export async function expiringByMonth(db: Knex, months: number): Promise<ExpiringByMonth> {
  const [rows, never] = await Promise.all([
    db.raw(
      `SELECT to_char(date_trunc('month', l.expires_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
              count(DISTINCT l.user_id)::int AS users, count(*)::int AS lots, sum(l.remaining)::bigint AS points
       FROM points_lots l
       WHERE l.remaining > 0 AND l.expired_by IS NULL AND l.expires_at IS NOT NULL
         AND l.expires_at < date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + make_interval(months => ?)
       GROUP BY 1 ORDER BY 1`,
      [months],
    ) as Promise<{ rows: Array<{ month: string; users: number; lots: number; points: string }> }>,
    db.raw(
      `SELECT coalesce(sum(remaining), 0)::bigint AS n, now() AS now FROM points_lots
       WHERE remaining > 0 AND expires_at IS NULL`,
    ) as Promise<{ rows: Array<{ n: string; now: Date }> }>,
  ]);
  return {
    asOf: iso(never.rows[0]!.now),
    rows: rows.rows.map((r) => ({ ...r, points: Number(r.points) })),
    neverExpiring: Number(never.rows[0]!.n),
  };
}

export async function rebuildLots(db: Knex, userIds: number[]): Promise<{ users: number; lots: number }> {
  return callWrite(db, 'pointkeeper_lots_rebuild(?::int[])', [userIds]);
}
