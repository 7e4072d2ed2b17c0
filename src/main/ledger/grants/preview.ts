import type { Knex } from 'knex';
import type { GrantPreview, GrantPreviewUser, GrantType } from '../../../shared/contract/grants';
import { STAGE_TABLE } from './stage';

/** Users shown in a preview, and rows shown per user. */
const PREVIEW_USERS = 20;
const ROWS_PER_USER = 3;

/** The staged rows with their user resolved and points signed (only for a problem-free stage). */
const RESOLVED = `
  SELECT g.line, g.key, coalesce(nullif(g.type, ''), 'earned') AS type, g.description,
         CASE WHEN g.type = 'redeemed' THEN -g.points_text::integer ELSE g.points_text::integer END AS points,
         CASE WHEN g.user_ref ~ '^[0-9]{1,9}$' THEN g.user_ref::integer
              ELSE (SELECT u.id FROM users u WHERE lower(u.email) = lower(g.user_ref)) END AS user_id
  FROM ${STAGE_TABLE} g`;

interface Totals {
  rows: number;
  users: number;
  credited: number;
  debited: number;
  replays: number;
}

/** What applying the staged file would do: totals, per type, and the first users with their rows. */
export async function stagedPreview(trx: Knex): Promise<GrantPreview> {
  const totals = (
    (await trx.raw(`WITH r AS (${RESOLVED})
      SELECT count(*) AS rows, count(DISTINCT user_id) AS users,
             coalesce(sum(points) FILTER (WHERE points > 0), 0) AS credited,
             coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS debited,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM points_transactions p WHERE p.idempotency_key = r.key)) AS replays
      FROM r`)) as { rows: Totals[] }
  ).rows[0]!;
  const byType = (
    (await trx.raw(`WITH r AS (${RESOLVED})
      SELECT type, count(*) AS rows, sum(points) AS points FROM r GROUP BY type ORDER BY min(line)`)) as {
      rows: Array<{ type: GrantType; rows: number; points: number }>;
    }
  ).rows;
  return {
    rows: totals.rows,
    users: totals.users,
    pointsCredited: totals.credited,
    pointsDebited: totals.debited,
    byType,
    alreadyApplied: totals.replays,
    firstUsers: await firstUsers(trx),
  };
}

async function firstUsers(trx: Knex): Promise<GrantPreviewUser[]> {
  const { rows } = (await trx.raw(
    `WITH r AS (${RESOLVED}),
     first AS (SELECT user_id, min(line) AS first_line, count(*) AS row_count, sum(points) AS delta
               FROM r GROUP BY user_id ORDER BY min(line) LIMIT ?)
     SELECT f.user_id, u.email, u.name, f.row_count, f.delta,
            coalesce(up.points, (SELECT sum(p.points) FROM points_transactions p WHERE p.user_id = f.user_id), 0) AS balance,
            (SELECT json_agg(json_build_object('line', x.line, 'type', x.type, 'points', x.points,
                                               'description', x.description) ORDER BY x.line)
             FROM (SELECT * FROM r WHERE r.user_id = f.user_id ORDER BY r.line LIMIT ?) x) AS rows
     FROM first f JOIN users u ON u.id = f.user_id LEFT JOIN user_points up ON up.user_id = f.user_id
     ORDER BY f.first_line`,
    [PREVIEW_USERS, ROWS_PER_USER],
  )) as {
    rows: Array<{
      user_id: number;
      email: string;
      name: string;
      row_count: number;
      delta: number;
      balance: number;
      rows: GrantPreviewUser['rows'];
    }>;
  };
  return rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    name: r.name,
    balanceNow: r.balance,
    balanceAfter: r.balance + r.delta,
    rowCount: r.row_count,
    rows: r.rows,
  }));
}
