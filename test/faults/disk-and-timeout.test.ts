import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let dir: string;

/** Every row count and the points total: what "the database is unchanged" means here. */
async function footprint() {
  const count = async (table: string) => Number((await db.knex(table).count({ n: '*' }).first())?.n ?? 0);
  const sum = await db.knex('points_transactions').sum({ s: 'points' }).first();
  return {
    transactions: await count('points_transactions'),
    userPoints: await count('user_points'),
    backupsLogged: await db
      .knex('operations_log')
      .where({ action: 'backup.export', outcome: 'ok' })
      .count({ n: '*' }),
    points: Number(sum?.s ?? 0),
  };
}

async function expectVerified() {
  const verified = await db.call('verify.ledger', {});
  expect(verified.ok && verified.data.checks.filter((c) => !c.ok)).toEqual([]);
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-fault-disk-'));
  await db
    .knex('users')
    .insert(
      Array.from({ length: 30 }, (_, i) => ({ id: i + 1, email: `f${i}@example.test`, name: `Fault ${i}` })),
    );
  for (let id = 1; id <= 30; id++) {
    const r = await db.call('points.earn', { userId: id, points: 100 + id, description: 'seed' });
    expect(r.ok).toBe(true);
  }
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a backup written to a full disk', () => {
  it('fails with a clear error, leaves no file, changes nothing, and the next export works', async () => {
    const before = await footprint();
    const sub = await mkdtemp(join(dir, 'full-'));
    const path = join(sub, 'backup.ndjson');
    await symlink('/dev/full', path); // every write answered with ENOSPC
    const r = await db.call('backup.export', { scope: 'full', path });
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/disk is full/) } });
    expect(await readdir(sub)).toEqual(['backup.ndjson']); // only the link: no .partial left
    expect(await footprint()).toEqual(before);
    await expectVerified();

    const good = await db.call('backup.export', { scope: 'full', path: join(dir, 'after.ndjson') });
    expect(good).toMatchObject({ ok: true });
  });
});

describe('a statement timeout on a long scan', () => {
  it('cancels the scan with its reason, keeps no partial findings, and a rerun completes', async () => {
    const before = await footprint();
    const cut = await db.call('audit.scan', { timeoutSeconds: 0.001 });
    expect(cut).toMatchObject({
      ok: false,
      error: { code: 'CANCELLED', message: expect.stringMatching(/time limit/) },
    });
    expect(await footprint()).toEqual(before);
    const scan = await db.knex('audit_scans').orderBy('id', 'desc').first('id', 'status');
    expect(scan).toMatchObject({ status: 'cancelled' });
    expect(await db.knex('audit_scan_results').where({ scan_id: scan.id }).first()).toBeUndefined();
    await expectVerified();

    const full = await db.call('audit.scan', {});
    expect(full).toMatchObject({ ok: true });
    if (full.ok) expect(full.data).toMatchObject({ status: 'done', usersScanned: 30, discrepancies: 0 });
  });
});
