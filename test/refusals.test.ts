import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let dispatch: Dispatcher;
const WINDOW_MS = 400;

const refusals = (action: string) =>
  db
    .knex('operations_log')
    .where({ action, outcome: 'error' })
    .orderBy('id')
    .select('error_code', 'input', 'result');

beforeAll(async () => {
  db = await createTestDb();
  dispatch = createDispatcher(handlers, () => db.session, undefined, undefined, {
    refusalWindowMs: WINDOW_MS,
  });
});
afterAll(() => db.close());

describe('refusals in the operations log', () => {
  it('a VALIDATION refusal is written, with what was sent', async () => {
    const r = await dispatch('points.earn', { userId: 1, points: -5, description: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const rows = await refusals('points.earn');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      error_code: 'VALIDATION',
      input: { userId: 1, points: -5, description: 'x' },
      result: { code: 'VALIDATION' },
    });
  });

  it('so are control characters in a description, NUL, unknown calls, and refused queries', async () => {
    const esc = await dispatch('points.earn', {
      userId: 1,
      points: 5,
      description: 'ok\u001b]0;pwned\u0007',
    });
    expect(esc).toMatchObject({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: expect.stringMatching(/control characters are not allowed \(found U\+001B/),
      },
    });
    const cr = await dispatch('points.reverse', { transactionId: 1, reason: 'fine\rforged line' });
    expect(cr).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await dispatch('points.redeem', { userId: 1, points: 1, description: 'a\u0000b' });
    await dispatch('no.such.call', {});
    await dispatch('users.get', { userId: 'one' });
    const codes = await db
      .knex('operations_log')
      .whereIn('action', ['points.reverse', 'points.redeem', 'no.such.call', 'users.get'])
      .pluck('action');
    expect(codes.sort()).toEqual(['no.such.call', 'points.redeem', 'points.reverse', 'users.get']);
    const nul = await refusals('points.redeem');
    expect(JSON.stringify(nul[0]!.input)).toContain('\\\\u0000');
    expect((await refusals('points.earn')).at(-1)!.input).toMatchObject({
      description: 'ok\u001b]0;pwned\u0007',
    });
  });

  it('a burst of identical refusals is one row and a count, not a flood and not lost', async () => {
    for (let i = 0; i < 50; i++) await dispatch('audit.scans', { limit: 0 });
    expect(await refusals('audit.scans')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 300));
    const rows = await refusals('audit.scans');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.result).toMatchObject({ code: 'VALIDATION', details: { repeated: 49 } });
  });
});
