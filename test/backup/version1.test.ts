import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_TABLES, type TableCounts } from '../../src/shared/contract/backup';
import { createTestDb, type TestDb } from '../support/db';
import { firstRow, openLines, rowHashes, wipe } from './helpers';

/**
 * A real version-1 backup, written by the last release that wrote version 1 (543e8bc): a full
 * backup of demo data (6 users, 60 transactions) plus one earn whose description holds a quote,
 * a backslash, a tab, a newline and non-ASCII text. The reader must still restore it.
 */
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'backup-v1.ndjson');

let db: TestDb;
let dir: string;
let trailerCounts: TableCounts;
let odd: { id: number; description: string };

async function ok<T>(
  p: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>,
) {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data;
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-v1-'));
  const lines = (await readFile(FIXTURE, 'utf8')).split('\n').filter((l) => l !== '');
  trailerCounts = (JSON.parse(lines.at(-1)!) as { trailer: { counts: TableCounts } }).trailer.counts;
  const tx = lines.slice(
    firstRow(lines, 'points_transactions'),
    firstRow(lines, 'user_points_redemptions') - 1,
  );
  const found = tx
    .map((l) => JSON.parse(l) as { id: number; description: string })
    .find((r) => r.description.includes('"quoted"'));
  if (!found) throw new Error('the fixture has no transaction with the odd description');
  odd = found;
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a version-1 backup written by the previous release', () => {
  it('is what the fixture claims: version 1, JSON-object rows, the odd description', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    expect(text.startsWith('{"format":"pointkeeper-backup","version":1,')).toBe(true);
    expect(odd.description).toMatch(/"/);
    expect(odd.description).toMatch(/\\/);
    expect(odd.description).toMatch(/\t/);
    expect(odd.description).toMatch(/\n/);
    expect(odd.description).toMatch(/[\u0080-\uffff]/);
  });

  it('inspects as valid: version 1, checksum good, no problem, counts as the trailer says', async () => {
    const r = await ok(db.call('backup.inspect', { path: FIXTURE }));
    expect(r.header.version).toBe(1);
    expect(r.checksum.valid).toBe(true);
    expect(r.problem).toBeNull();
    expect(r.trailerCounts).toEqual(trailerCounts);
    expect(r.counts).toEqual(trailerCounts);
  });

  it("is refused without an acknowledgement: its rows are sealed without this database's key", async () => {
    const path = join(dir, 'v1-unacknowledged.ndjson');
    await copyFile(FIXTURE, path);
    const before = await rowHashes(db.knex);
    const apply = await db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir });
    expect(apply).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: /not signed by this database/ },
    });
    expect(await rowHashes(db.knex)).toEqual(before);
  });

  it('restores into an empty database when acknowledged: re-sealed, every table as counted, text exact', async () => {
    const path = join(dir, 'v1.ndjson');
    await copyFile(FIXTURE, path);
    await wipe(db.knex);
    // A version-1 file carries no signature: shown as unsigned, restored only when acknowledged.
    const plan = await ok(db.call('backup.restore.plan', { path, mode: 'replace' }));
    expect(plan.signature).toMatchObject({
      status: 'unsigned',
      text: expect.stringMatching(/^unsigned\/unknown/),
    });
    const refused = await db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringMatching(/not signed by this database/) },
    });
    const restored = await ok(
      db.call('backup.restore.apply', {
        path,
        mode: 'replace',
        safetyDir: dir,
        acknowledgeNotSignedHere: true,
      }),
    );
    expect(restored.header.version).toBe(1);
    expect(restored.checks.chainBreaks).toBe(0);
    expect(restored.checks.copyMismatches).toBe(0);
    for (const table of BACKUP_TABLES) {
      const r = (await db.knex(table).count({ n: '*' }).first()) as { n: number | string };
      expect({ table, rows: Number(r.n) }).toEqual({ table, rows: trailerCounts[table] });
    }
    const row = await db.knex('points_transactions').where({ id: odd.id }).first('description');
    expect(row?.description).toBe(odd.description);
  });

  it('keeps its ascending-id rule: two rows swapped are refused and the database is unchanged', async () => {
    const file = await openLines(FIXTURE);
    const i = firstRow(file.lines, 'points_transactions');
    const first = JSON.parse(file.lines[i]!) as { id: number };
    const second = JSON.parse(file.lines[i + 1]!) as { id: number };
    expect(second.id).toBeGreaterThan(first.id);
    [file.lines[i], file.lines[i + 1]] = [file.lines[i + 1]!, file.lines[i]!];
    const path = join(dir, 'v1-swapped.ndjson');
    await file.resealTo(path);

    const before = await rowHashes(db.knex);
    const message = /comes after id \d+; rows must be in ascending id order/;
    const plan = await db.call('backup.restore.plan', { path, mode: 'replace' });
    expect(plan).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    if (!plan.ok)
      expect(plan.error.message).toContain(
        `(points_transactions): id ${first.id} comes after id ${second.id};`,
      );
    const apply = await db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir });
    expect(apply).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    expect(await rowHashes(db.knex)).toEqual(before);
  });
});
