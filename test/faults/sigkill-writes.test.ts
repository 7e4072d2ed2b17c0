import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
const USERS = 20;

beforeAll(async () => {
  db = await createTestDb();
  await db.knex('users').insert(
    Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      email: `k${i + 1}@example.test`,
      name: `Kill ${i + 1}`,
    })),
  );
});
afterAll(() => db.close());

async function otherBackends(): Promise<number[]> {
  const r = await db.knex.raw<{ rows: { pid: number }[] }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return r.rows.map((row) => row.pid);
}

/**
 * Waits until the killed child's server sessions have ended. A COMMIT the child sent just before
 * the kill is still carried out by its session: checking earlier would count a log row whose
 * operations_log row commits with it a moment later, in a different snapshot.
 */
async function childSessionsGone(before: number[]): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    const left = (await otherBackends()).filter((pid) => !before.includes(pid));
    if (left.length === 0) return;
    if (waited > 30_000) throw new Error(`the killed child's sessions ${left.join(', ')} did not end`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the write loop as a child process and SIGKILLs it after `okLines` committed calls. */
function runAndKill(okLines: number): Promise<number> {
  const { user, password, host, port, database } = db.connection;
  const url = `postgres://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'write-loop.ts')],
    {
      env: { ...process.env, DATABASE_URL: url, LOOP_USERS: String(USERS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk
        .toString()
        .split('\n')
        .filter((l) => l === 'ok').length;
      if (seen >= okLines && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? resolve(seen)
        : reject(
            new Error(`the write loop ended by itself (code ${code}, signal ${signal}) after ${seen} writes`),
          ),
    );
  });
}

describe('SIGKILL during earn/redeem loops', () => {
  it('loses nothing: copies equal the log, and every write has its operations_log row', async () => {
    const before = await otherBackends();
    const committed = await runAndKill(150);
    await childSessionsGone(before);
    expect(committed).toBeGreaterThanOrEqual(150);
    const mismatched = await db.knex.raw(`
      SELECT u.id FROM users u
      LEFT JOIN user_points up ON up.user_id = u.id
      LEFT JOIN (SELECT user_id, sum(points) AS s, sum(points) FILTER (WHERE points > 0) AS c,
                        -sum(points) FILTER (WHERE points < 0) AS d FROM points_transactions GROUP BY user_id) t
        ON t.user_id = u.id
      WHERE coalesce(up.points, 0) <> coalesce(t.s, 0) OR u.rewards <> coalesce(t.s, 0)
         OR coalesce(up.total_earned, 0) <> coalesce(t.c, 0) OR coalesce(up.total_redeemed, 0) <> coalesce(t.d, 0)
         OR up.points < 0`);
    expect(mismatched.rows).toEqual([]);
    // The log row and its operations_log row are written in one transaction (same now()).
    const orphans = await db.knex.raw(`
      SELECT t.id FROM points_transactions t
      WHERE NOT EXISTS (SELECT 1 FROM operations_log o
                        WHERE o.at = t.created_at AND o.actor = t.created_by AND o.outcome = 'ok'
                          AND (o.result->>'transactionId')::int = t.id)`);
    expect(orphans.rows).toEqual([]);
    const ok = await db
      .knex('operations_log')
      .whereIn('action', ['points.earn', 'points.redeem'])
      .where({ outcome: 'ok' })
      .count({ n: '*' })
      .first();
    const rows = await db.knex('points_transactions').count({ n: '*' }).first();
    expect(ok?.n).toBe(rows?.n);
    expect(Number(rows?.n)).toBeGreaterThanOrEqual(committed);
    const verified = await db.call('verify.ledger', {});
    expect(verified.ok && verified.data.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
