import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/db';

/**
 * Migration 670: a set-based statement that passed pointkeeper__key() to every row's HMAC ran a
 * query per row (the function reads a table, so it is neither inlined nor folded). Only functions
 * that read it once may call it: the one-row append, and those that keep it in a variable.
 */
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

const READ_ONCE = ['pointkeeper__append', 'pointkeeper_grants_apply'];

it('leaves no function calling pointkeeper__key() where it could run once per row', async () => {
  const { rows } = (await db.knex.raw(
    `SELECT p.proname FROM pg_proc p WHERE p.prosrc LIKE '%pointkeeper\\_\\_key()%' ORDER BY p.proname`,
  )) as { rows: Array<{ proname: string }> };
  expect(rows.map((r) => r.proname)).toEqual(READ_ONCE);
});

it('the functions that do read it once do so outside any set-based statement', async () => {
  for (const name of READ_ONCE) {
    const { rows } = (await db.knex.raw(`SELECT p.prosrc FROM pg_proc p WHERE p.proname = ?`, [name])) as {
      rows: Array<{ prosrc: string }>;
    };
    const calls = rows[0]!.prosrc.split(';').filter((statement) => statement.includes('pointkeeper__key()'));
    // One call each, in an assignment (`k bytea := …`, `r.row_hash := …`), never a SELECT list.
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/:=/);
    expect(calls[0]).not.toMatch(/\b(SELECT|FROM)\b/i);
  }
});
