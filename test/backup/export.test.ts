import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/main/api/types';
import { BACKUP_TABLES } from '../../src/shared/contract/backup';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let dir: string;

const REFERENCED_ORDERS = `SELECT count(*)::int AS n FROM orders o WHERE o.id IN (SELECT order_id FROM points_transactions)
  OR o.id IN (SELECT order_id FROM user_points_redemptions)`;

async function tableCount(table: string, where?: (q: ReturnType<TestDb['knex']>) => void): Promise<number> {
  const q = db.knex(table);
  if (where) where(q);
  const r = (await q.count({ n: '*' }).first()) as { n: number };
  return Number(r.n);
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-export-'));
  const seeded = await db.call('demo.generate', { users: 200, transactions: 12_000, discrepancies: 0 });
  if (!seeded.ok) throw new Error(seeded.error.message);
  await db.knex('orders').insert({ user_id: 1, amount: '12.50', status: 'completed' });
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('backup.export and backup.inspect', () => {
  it('writes a full backup whose trailer, counts and checksum inspect as valid', async () => {
    const path = join(dir, 'full.ndjson');
    const r = await db.call('backup.export', { scope: 'full', path });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.data.counts.points_transactions).toBe(await tableCount('points_transactions'));
    expect(r.data.counts.users).toBe(await tableCount('users'));
    // Orders no points row points at are the shop's, not points data: a full backup leaves them out.
    expect(r.data.counts.orders).toBe(Number((await db.knex.raw(REFERENCED_ORDERS)).rows[0].n));
    expect(r.data.counts.orders).toBeLessThan(await tableCount('orders'));
    const inspected = await db.call('backup.inspect', { path });
    if (!inspected.ok) throw new Error(inspected.error.message);
    expect(inspected.data.checksum).toEqual({ valid: true, expected: r.data.sha256, actual: r.data.sha256 });
    expect(inspected.data.counts).toEqual(r.data.counts);
    expect(inspected.data.problem).toBeNull();
    expect(inspected.data.header).toMatchObject({ format: 'pointkeeper-backup', version: 2, scope: 'full' });
    // Orders last: by then the export has seen which orders the points rows use.
    expect(inspected.data.header.tables.map((t) => t.name)).toEqual([
      'users',
      'points_rewards',
      'user_points',
      'points_transactions',
      'user_points_redemptions',
      'orders',
    ]);
    expect(new Set(inspected.data.header.tables.map((t) => t.name))).toEqual(new Set(BACKUP_TABLES));
  });

  it('keeps microseconds and every column exactly as PostgreSQL stores them', async () => {
    const path = join(dir, 'exact.ndjson');
    const r = await db.call('backup.export', { scope: 'full', path });
    if (!r.ok) throw new Error(r.error.message);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    const start = lines.indexOf('{"section":"points_transactions"}');
    const header = JSON.parse(lines[0]!) as { tables: Array<{ name: string; columns: string[] }> };
    const names = header.tables.find((t) => t.name === 'points_transactions')!.columns;
    const values = JSON.parse(lines[start + 1]!) as Array<string | null>;
    const first = Object.fromEntries(names.map((c, i) => [c, values[i]])) as {
      id: string;
      created_at: string;
    };
    const stored = (await db.knex.raw(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM points_transactions WHERE id = ?`,
      [Number(first.id)],
    )) as { rows: Array<{ at: string }> };
    // PostgreSQL's own ISO text, in UTC: the microseconds as stored (trailing zeros dropped).
    expect(first.created_at).toBe(`${stored.rows[0]!.at.replace(/\.?0+$/, '')}+00`);
    const columns = (await db.knex('points_transactions').columnInfo()) as Record<string, unknown>;
    expect([...names].sort()).toEqual(Object.keys(columns).sort());
  });

  it('writes text with quotes, backslashes, newlines, control characters and unicode as its exact JSON, one line per row', async () => {
    const name = 'a "quoted" \\back\\slash\nnew\r\nline\ttab \x01\x02\v é 漢字 😀 \u2028 , ; \\. \\N end';
    const email = 'odd-"text"@example.com';
    const [{ id }] = (await db.knex('users').insert({ email, name }).returning('id')) as [{ id: number }];
    const full = join(dir, 'odd-full.ndjson');
    const one = join(dir, 'odd-user.ndjson');
    const runs: Array<[string, 'full' | { userIds: number[] }]> = [
      [full, 'full'],
      [one, { userIds: [id] }],
    ];
    for (const [path, scope] of runs) {
      const r = await db.call('backup.export', { scope, path });
      if (!r.ok) throw new Error(r.error.message);
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
      const line = lines.find((l) => l.startsWith(`["${id}",`));
      const values = JSON.parse(line!) as string[];
      expect(values.slice(0, 3)).toEqual([String(id), email, name]);
      // Exactly JSON.stringify's text of the values, whichever way the rows were read.
      expect(line).toBe(JSON.stringify(values));
      const inspected = await db.call('backup.inspect', { path });
      expect(inspected.ok && inspected.data.checksum.valid && inspected.data.problem).toBeNull();
    }
    await db.knex('users').where({ id }).delete();
  });

  it('compresses a .ndjson.gz path and still inspects it', async () => {
    const path = join(dir, 'full.ndjson.gz');
    const r = await db.call('backup.export', { scope: 'full', path });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.data.compressed).toBe(true);
    const text = gunzipSync(await readFile(path)).toString('utf8');
    expect(text.split('\n')[0]).toContain('"format":"pointkeeper-backup"');
    const inspected = await db.call('backup.inspect', { path });
    expect(inspected).toMatchObject({ ok: true, data: { compressed: true, checksum: { valid: true } } });
  });

  it('backs up only the chosen users and the orders and rewards their rows use', async () => {
    const userId = (await db.knex('points_transactions').whereNotNull('order_id').first('user_id'))!.user_id;
    const path = join(dir, 'one.ndjson');
    const r = await db.call('backup.export', { scope: { userIds: [userId] }, path });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.data.counts.users).toBe(1);
    expect(r.data.counts.points_transactions).toBe(
      await tableCount('points_transactions', (q) => void q.where({ user_id: userId })),
    );
    expect(r.data.counts.orders).toBeGreaterThan(0);
    const text = await readFile(path, 'utf8');
    const rows = text.split('\n').filter((l) => l.startsWith('{"id"'));
    for (const line of rows) {
      const row = JSON.parse(line) as { id: number; user_id?: number };
      if (row.user_id !== undefined) expect(row.user_id).toBe(userId);
    }
  });

  it('refuses an unknown user and writes no file', async () => {
    const path = join(dir, 'nobody.ndjson');
    const r = await db.call('backup.export', { scope: { userIds: [987_654_321] }, path });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await readdir(dir)).not.toContain('nobody.ndjson');
  });

  it('reports a full disk clearly and leaves nothing behind', async () => {
    // /dev/full answers every write with ENOSPC; a link gives it a backup's name.
    const sub = await mkdtemp(join(dir, 'full-disk-'));
    const path = join(sub, 'disk.ndjson');
    await symlink('/dev/full', path);
    const r = await db.call('backup.export', { scope: 'full', path });
    expect(r).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/disk is full.*no backup was written/) },
    });
    expect(await readdir(sub)).toEqual(['disk.ndjson']);
  });

  it('leaves no file, not even a partial one, when cancelled halfway', async () => {
    const path = join(dir, 'cancelled.ndjson');
    const controller = new AbortController();
    let pages = 0;
    const r = await db.dispatch(
      'backup.export',
      { scope: 'full', path },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++pages === 3) controller.abort();
        },
      },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(pages).toBeGreaterThanOrEqual(3);
    expect((await readdir(dir)).filter((f) => f.includes('cancelled'))).toEqual([]);
  });

  it('keeps the progress bar within its total when the planner underestimates, and ends it full', async () => {
    await db.knex.raw('ANALYZE');
    for (let i = 0; i < 40; i++) {
      const earned = await db.call('points.earn', {
        userId: 1 + i,
        points: 5,
        description: 'after the statistics',
      });
      if (!earned.ok) throw new Error(earned.error.message);
    }
    const seen: Progress[] = [];
    const r = await db.dispatch(
      'backup.export',
      { scope: 'full', path: join(dir, 'estimated.ndjson') },
      { signal: new AbortController().signal, onProgress: (p) => seen.push(p) },
    );
    if (!r.ok) throw new Error(r.error.message);
    const estimate = seen[0]!.total!;
    const written = (r.data as { rows: number }).rows;
    expect(estimate).toBeLessThan(written);
    for (const p of seen) expect(p.done).toBeLessThanOrEqual(p.total!);
    expect(seen.at(-1)).toMatchObject({ done: written, total: written });
  });

  it('is for admins only', async () => {
    const operator = await db.loginAs('operator');
    const r = await operator.call('backup.export', { scope: 'full', path: join(dir, 'op.ndjson') });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
