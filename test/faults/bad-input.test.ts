import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, contract } from '../../src/shared/contract';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;

/** Everything a call could change, in one comparable row. */
const snapshot = async () =>
  (
    await db.knex.raw(`SELECT
      (SELECT count(*) FROM users) AS users,
      (SELECT coalesce(sum(rewards), 0) FROM users) AS rewards,
      (SELECT count(*) FROM points_transactions) AS transactions,
      (SELECT coalesce(sum(points), 0) FROM user_points) AS points,
      (SELECT count(*) FROM user_points_redemptions) AS redemptions,
      (SELECT count(*) FROM operations_log) AS operations`)
  ).rows[0] as Record<string, number>;

beforeAll(async () => {
  db = await createTestDb();
  const r = await db.call('demo.generate', { users: 30, transactions: 300, discrepancies: 0 });
  expect(r.ok).toBe(true);
});
afterAll(() => db.close());

describe('fuzzing every contract call', () => {
  it('any input a call schema refuses gets VALIDATION and changes nothing', async () => {
    const before = await snapshot();
    const lastEntry = Number((await db.knex('operations_log').max({ id: 'id' }).first())?.id ?? 0);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CALL_NAMES),
        fc.oneof(fc.anything(), fc.object(), fc.dictionary(fc.string(), fc.anything())),
        async (name, input) => {
          // The registry reads a missing input as {}; NUL characters are refused before parsing.
          const text = JSON.stringify(input) ?? '';
          fc.pre(
            !contract[name].input.safeParse(input === undefined ? {} : input).success ||
              text.includes('\\u0000'),
          );
          refused++;
          const r = await db.dispatch(name, input);
          expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
        },
      ),
      { numRuns: 400 },
    );
    expect(refused).toBeGreaterThan(100);
    // Only the refusals themselves were written, bounded: never more rows than refused calls.
    const { operations, ...after } = await snapshot();
    const { operations: operationsBefore, ...rest } = before;
    expect(after).toEqual(rest);
    const added = Number(operations) - Number(operationsBefore);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(refused);
    const outcomes = await db
      .knex('operations_log')
      .where('id', '>', lastEntry)
      .distinct('outcome', 'error_code');
    expect(outcomes).toEqual([{ outcome: 'error', error_code: 'VALIDATION' }]);
  });
});

describe('SQL injection attempts', () => {
  const attacks = [
    "'; DROP TABLE users; --",
    "a' OR '1'='1",
    "%' OR 1=1 --",
    '1; DELETE FROM points_transactions',
    "Robert'); UPDATE user_points SET points = 999999; --",
    '\\\\x00 \u0000 nul',
    '$$; SELECT pg_sleep(5); $$',
  ];

  it('search boxes treat them as text', async () => {
    const before = await snapshot();
    for (const query of attacks) {
      const r = await db.dispatch('users.search', { query });
      if (r.ok) expect((r.data as { items: unknown[] }).items).toEqual([]);
      else expect(r.error.code).toBe('VALIDATION');
    }
    const { operations: _refusalsLogged, ...after } = await snapshot();
    const { operations: _before, ...rest } = before;
    expect(after).toEqual(rest);
  });

  it('text fields of writes are stored literally and touch nothing else', async () => {
    const before = await snapshot();
    let written = 0;
    for (const text of attacks) {
      const r = await db.call('points.earn', { userId: 1, points: 1, description: text });
      if (!r.ok) {
        expect(r.error.code).toBe('VALIDATION'); // the NUL byte: PostgreSQL text cannot hold it
        continue;
      }
      written++;
      const row = await db
        .knex('points_transactions')
        .where({ id: r.data.transactionId })
        .first('description');
      expect(row?.description).toBe(text);
    }
    const after = await snapshot();
    expect(after.users).toBe(before.users);
    expect(Number(after.transactions)).toBe(Number(before.transactions) + written);
    expect(Number(after.points)).toBe(Number(before.points) + written);
  });
});
