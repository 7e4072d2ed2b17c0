import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  const r = await db.call('demo.generate', { users: 300, transactions: 3000, discrepancies: 0 });
  expect(r.ok).toBe(true);
});
afterAll(() => db.close());

describe('roles enforced by the database itself', () => {
  it('refuses a direct insert into points_transactions by an auditor login', async () => {
    const { session } = await db.loginAs('auditor');
    const before = await db.knex('points_transactions').count({ n: '*' }).first();
    await expect(
      session
        .knex('points_transactions')
        .insert({ user_id: 1, type: 'earned', points: 10, description: 'sneaky' }),
    ).rejects.toMatchObject({ code: '42501' });
    const after = await db.knex('points_transactions').count({ n: '*' }).first();
    expect(after).toEqual(before);
  });

  it('refuses UPDATE and DELETE on the transaction log, even for the owner', async () => {
    await expect(db.knex('points_transactions').where({ id: 1 }).update({ points: 9999 })).rejects.toThrow(
      /append-only/,
    );
    await expect(db.knex('points_transactions').where({ id: 1 }).delete()).rejects.toThrow(/append-only/);
    await expect(db.knex('operations_log').delete()).rejects.toThrow(/append-only/);
  });

  it('refuses rows that break the ledger rules', async () => {
    const insert = (row: Record<string, unknown>) =>
      db.knex('points_transactions').insert({ user_id: 1, description: 'x', ...row });
    await expect(insert({ type: 'earned', points: -5 })).rejects.toMatchObject({ code: '23514' });
    await expect(insert({ type: 'earned', points: 10_001 })).rejects.toMatchObject({ code: '23514' });
    await expect(insert({ type: 'redeemed', points: 5 })).rejects.toMatchObject({ code: '23514' });
    await expect(insert({ type: 'gift', points: 5 })).rejects.toMatchObject({ code: '23514' });
    await expect(db.knex('user_points').where({ user_id: 1 }).update({ points: -1 })).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('reports the role of each login through session.whoami', async () => {
    for (const role of ['auditor', 'operator', 'admin'] as const) {
      const { call, login } = await db.loginAs(role);
      const me = await call('session.whoami', {});
      expect(me).toMatchObject({ ok: true, data: { role, login, superuser: false } });
    }
  });
});

describe('demo data', () => {
  it('is internally consistent: every copy equals the log', async () => {
    const bad = await db.knex.raw(`
      SELECT u.id FROM users u
      LEFT JOIN user_points up ON up.user_id = u.id
      LEFT JOIN (SELECT user_id, sum(points) AS s, sum(points) FILTER (WHERE points > 0) AS c,
                        -sum(points) FILTER (WHERE points < 0) AS d
                 FROM points_transactions GROUP BY user_id) t ON t.user_id = u.id
      WHERE up.points IS DISTINCT FROM t.s OR u.rewards <> coalesce(t.s, 0)
         OR up.total_earned IS DISTINCT FROM t.c OR up.total_redeemed <> coalesce(t.d, 0)`);
    expect(bad.rows).toEqual([]);
    const counts = await db.knex('users').count({ n: '*' }).first();
    expect(counts?.n).toBe(300);
  });

  it('breaks exactly the copies it says it broke', async () => {
    const r = await db.call('demo.generate', { users: 10, transactions: 100, discrepancies: 5 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.data.discrepancies.map((d) => d.kind).sort()).toEqual(
      [
        'balance_mismatch',
        'earned_mismatch',
        'legacy_mismatch',
        'missing_user_points',
        'redeemed_mismatch',
      ].sort(),
    );
    const missing = r.data.discrepancies.find((d) => d.kind === 'missing_user_points')!;
    expect(await db.knex('user_points').where({ user_id: missing.userId }).first()).toBeUndefined();
  });
});

describe('users.search and users.get through the registry', () => {
  it('finds users by name prefix, then by email prefix, case-insensitively, in order, paged', async () => {
    const some = (await db.knex('users').first('name', 'id'))!;
    const prefix = some.name.slice(0, 3).toUpperCase();
    const p = `${prefix.toLowerCase()}%`;
    // Two whose email, not name, starts with the text: they come after every name match.
    await db.knex('users').insert([
      { id: 900_001, email: `${prefix.toLowerCase()}-b@example.test`, name: 'Aa Email Only' },
      { id: 900_002, email: `${prefix.toLowerCase()}-a@example.test`, name: 'Ab Email Only' },
    ]);
    const first = await db.call('users.search', { query: prefix, limit: 2 });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data.items.length).toBeGreaterThan(0);
    for (const u of first.data.items)
      expect(u.name.toLowerCase().startsWith(prefix.toLowerCase())).toBe(true);
    const all: number[] = first.data.items.map((u) => u.id);
    let cursor = first.data.nextCursor;
    while (cursor) {
      const next = await db.call('users.search', { query: prefix, limit: 2, cursor });
      if (!next.ok) throw new Error(next.error.message);
      all.push(...next.data.items.map((u) => u.id));
      cursor = next.data.nextCursor;
    }
    const byName = await db
      .knex('users')
      .whereRaw('lower(name) LIKE ?', [p])
      .orderByRaw('lower(name) COLLATE "C", id')
      .pluck('id');
    const byEmailOnly = await db
      .knex('users')
      .whereRaw('lower(email) LIKE ? AND NOT lower(name) LIKE ?', [p, p])
      .orderByRaw('lower(email) COLLATE "C", id')
      .pluck('id');
    expect(byEmailOnly.slice(0, 2)).toEqual([900_002, 900_001]);
    expect(all).toEqual([...byName, ...byEmailOnly]);
  });

  it('finds by id and by email prefix, and treats LIKE wildcards literally', async () => {
    const byId = await db.call('users.search', { query: '7' });
    expect(byId.ok && byId.data.items.map((u) => u.id)).toEqual([7]);
    const email = (await db.knex('users').where({ id: 7 }).first('email'))!.email as string;
    const byEmail = await db.call('users.search', { query: email.slice(0, -4) });
    expect(byEmail.ok && byEmail.data.items.map((u) => u.id)).toContain(7);
    const wildcard = await db.call('users.search', { query: '%' });
    expect(wildcard).toMatchObject({ ok: true, data: { items: [] } });
  });

  it('returns one user with balance and legacy copy, and NOT_FOUND for a stranger', async () => {
    const user = await db.call('users.get', { userId: 3 });
    expect(user).toMatchObject({ ok: true, data: { id: 3 } });
    if (user.ok) expect(user.data.legacyRewards).toBe(user.data.points);
    expect(await db.call('users.get', { userId: 999_999 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('rejects bad input with VALIDATION and unknown calls by name', async () => {
    expect(await db.dispatch('users.search', { query: '' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await db.dispatch('users.get', { userId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await db.dispatch('users.get', { userId: 1, extra: true })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await db.dispatch('users.drop', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await db.dispatch('users.search', { query: 'a', cursor: 'garbage' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('gives FORBIDDEN before running a call above the login role, and logs the attempt', async () => {
    const { call, login } = await db.loginAs('operator');
    const r = await call('demo.generate', { users: 1, transactions: 0, discrepancies: 0 });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const logged = await db.knex('operations_log').where({ actor: login, action: 'demo.generate' }).first();
    expect(logged).toMatchObject({ outcome: 'error', error_code: 'FORBIDDEN' });
  });
});
