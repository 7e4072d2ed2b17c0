import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../src/shared/contract';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;

async function verify(): Promise<VerifyReport> {
  const r = await db.call('verify.ledger', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

const failed = (r: VerifyReport) => r.checks.filter((c) => !c.ok).map((c) => c.name);

beforeAll(async () => {
  db = await createTestDb();
  const demo = await db.call('demo.generate', { users: 50, transactions: 500, discrepancies: 0 });
  expect(demo.ok).toBe(true);
  const earned = await db.call('points.earn', { userId: 3, points: 25, description: 'verify test' });
  expect(earned.ok).toBe(true);
});
afterAll(() => db.close());

describe('verify.ledger', () => {
  it('passes every check on a consistent ledger', async () => {
    const report = await verify();
    expect(failed(report)).toEqual([]);
    expect(report.checks.length).toBeGreaterThanOrEqual(4);
  });

  it('names a derived copy that no longer matches the log', async () => {
    await db.knex('user_points').where({ user_id: 7 }).increment('points', 5);
    const report = await verify();
    expect(failed(report)).toEqual(['audit-clean']);
    const check = report.checks.find((c) => c.name === 'audit-clean')!;
    expect(check.failures).toBe(1);
    expect(check.examples).toEqual([{ kind: 'balance_mismatch', users: 1, exampleUsers: [7] }]);
    await db.knex('user_points').where({ user_id: 7 }).decrement('points', 5);
  });

  it('names an acknowledged write that is not in the ledger', async () => {
    await db.knex('operations_log').insert({
      action: 'points.earn',
      input: JSON.stringify({ userId: 3, points: 10, description: 'lost' }),
      outcome: 'ok',
      result: JSON.stringify({ success: true, pointsEarned: 10, transactionId: 99_999_999 }),
    });
    const report = await verify();
    expect(failed(report)).toEqual(['logged-writes-exist']);
  });
});

describe('verify.ledger and the hash chain', () => {
  it('names a transaction edited behind the ledger', async () => {
    const row = (await db.knex('points_transactions').where({ user_id: 5 }).orderBy('id').first('id'))!;
    // As a superuser with the append-only triggers off: what an attacker with the disk could do.
    await db.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('points_transactions').where({ id: row.id }).update({ description: 'tampered' });
    });
    const report = await verify();
    const chain = report.checks.find((c) => c.name === 'chains-verify')!;
    expect(chain.ok).toBe(false);
    expect(chain.examples[0]).toMatchObject({ transaction_id: row.id, kind: 'altered' });
  });
});
