import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDispatcher } from '../src/main/api/registry';
import { handlers } from '../src/main/api/handlers/index';
import { openSession, type Session } from '../src/main/db/session';
import { runLoad } from '../src/main/load/workload';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let pooled: Session;

beforeAll(async () => {
  db = await createTestDb();
  const demo = await db.call('demo.generate', { users: 30, transactions: 300, discrepancies: 0 });
  expect(demo.ok).toBe(true);
  pooled = await openSession({ kind: 'server', connection: db.connection }, { poolMax: 18 });
});
afterAll(async () => {
  await pooled.close();
  await db.close();
});

it('a mixed workload from 16 clients on 10 contended users loses and duplicates nothing', async () => {
  const userIds = Array.from({ length: 10 }, (_, i) => i + 1);
  const report = await runLoad(
    pooled.knex,
    createDispatcher(handlers, () => pooled),
    {
      clients: 16,
      operations: 1_500,
      userIds,
      duplicateShare: 0.1,
      seed: 7,
    },
  );
  expect(report.errors).toEqual([]);
  expect(report.operations).toBe(1_500);
  for (const f of Object.values(report.byKind)) expect(f.failed).toBe(0);
  // The workload really contended: some redeems were refused and some reversals happened.
  expect(report.byKind.redeem?.ok).toBeGreaterThan(0);
  expect(report.byKind.reverse?.ok).toBeGreaterThan(0);
  expect(report.duplicateSubmissions).toBeGreaterThan(0);
  expect(report.duplicateRowsWritten).toBe(0);
  expect(report.lostOrDuplicatedUsers).toEqual([]);
  expect(report.points.balanceChange).toBe(report.points.expectedChange);
  expect(report.points.logChange).toBe(report.points.expectedChange);
  const verified = await db.call('verify.ledger', {});
  expect(verified.ok && verified.data.checks.filter((c) => !c.ok)).toEqual([]);
});
