import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';
import { firstRow, openLines, rowHashes, rowLine, rowObject } from './helpers';

let db: TestDb;
let dir: string;
let good: string;
let userId: number;
let before: Record<string, string[]>;

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-corrupt-'));
  const seeded = await db.call('demo.generate', { users: 30, transactions: 600, discrepancies: 0 });
  if (!seeded.ok) throw new Error(seeded.error.message);
  userId = (await db.knex('points_transactions').whereNotNull('order_id').first('user_id'))!.user_id;
  good = join(dir, 'good.ndjson');
  const r = await db.call('backup.export', { scope: { userIds: [userId] }, path: good });
  if (!r.ok) throw new Error(r.error.message);
  // Restores below must not change anything; the user's own rows are replaced in the good case.
  before = await rowHashes(db.knex);
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

type Corruption = (path: string) => Promise<void>;

const alterRow =
  (
    table: 'points_transactions' | 'users',
    change: (row: Record<string, unknown>) => void,
    reseal = true,
  ): Corruption =>
  async (path) => {
    const file = await openLines(good);
    const i = firstRow(file.lines, table);
    const row: Record<string, unknown> = rowObject(file.lines, table, i);
    change(row);
    file.lines[i] = rowLine(file.lines, table, row);
    if (reseal) await file.resealTo(path);
    else
      await writeFile(
        path,
        `${file.lines.join('\n')}\n${(await readFile(good, 'utf8')).trimEnd().split('\n').at(-1)}\n`,
      );
  };

const CORPUS: Array<[string, Corruption, RegExp]> = [
  [
    'truncated (no trailer)',
    async (p) => {
      const text = await readFile(good, 'utf8');
      await writeFile(p, text.slice(0, text.lastIndexOf('{"trailer"')));
    },
    /ends without its trailer: it is truncated/,
  ],
  [
    'cut in the middle of a line',
    async (p) => {
      const text = await readFile(good, 'utf8');
      await writeFile(p, text.slice(0, Math.floor(text.length / 2)));
    },
    /^Line \d+ .*not valid JSON|truncated/,
  ],
  [
    'wrong checksum (a row edited, trailer kept)',
    alterRow('points_transactions', (r) => (r.description = 'edited'), false),
    /Checksum mismatch/,
  ],
  [
    'newer format version',
    async (p) => {
      const file = await openLines(good);
      file.lines[0] = file.lines[0]!.replace('"version":2', '"version":3');
      await file.resealTo(p);
    },
    /format version 3 is newer than this console reads \(2\)/,
  ],
  [
    'unknown format version',
    async (p) => {
      const file = await openLines(good);
      file.lines[0] = file.lines[0]!.replace('"version":2', '"version":"one"');
      await file.resealTo(p);
    },
    /unknown backup format version "one" \(this console reads 1 and 2\)/,
  ],
  [
    'newer schema',
    async (p) => {
      const file = await openLines(good);
      file.lines[0] = file.lines[0]!.replace(
        /"schemaVersion":"[^"]+"/,
        '"schemaVersion":"20991231_999_future"',
      );
      await file.resealTo(p);
    },
    /newer database schema \(20991231_999_future\)/,
  ],
  [
    'a row breaking its schema',
    alterRow('points_transactions', (r) => (r.points = '0')),
    /^Line \d+ \(points_transactions id \d+\): points: 0 is not valid/,
  ],
  [
    'an unknown column',
    alterRow('users', (r) => (r.password = 'x')),
    /^Line \d+ \(users\): 7 values, but the header lists 6 columns/,
  ],
  [
    'a value that is not text',
    alterRow('users', (r) => (r.rewards = 12)),
    /^Line \d+ \(users\): rewards must be text or null, not 12/,
  ],
  [
    'a row that is not an array',
    async (p) => {
      const file = await openLines(good);
      const i = firstRow(file.lines, 'users');
      file.lines[i] = JSON.stringify(rowObject(file.lines, 'users', i));
      await file.resealTo(p);
    },
    /^Line \d+ \(users\): expected a JSON array of the row's values/,
  ],
  [
    'a time that is not a time',
    alterRow('users', (r) => (r.created_at = 'yesterday')),
    /^Line \d+ \(users id \d+\): created_at: Invalid ISO datetime/,
  ],
  [
    'duplicate ids',
    async (p) => {
      const file = await openLines(good);
      const i = firstRow(file.lines, 'points_transactions');
      file.lines.splice(i + 1, 0, file.lines[i]!);
      await file.resealTo(p);
    },
    /^Line \d+ \(points_transactions\): id \d+ is also on line \d+/,
  ],
  [
    'two user_points rows for one user',
    async (p) => {
      const file = await openLines(good);
      const i = firstRow(file.lines, 'user_points');
      const row = rowObject(file.lines, 'user_points', i);
      file.lines.splice(
        i + 1,
        0,
        rowLine(file.lines, 'user_points', { ...row, id: String(Number(row.id) + 1_000_000) }),
      );
      await file.resealTo(p);
    },
    /^Line \d+ \(user_points\): a user_points row for user \d+ is also on line \d+/,
  ],
  [
    'a dangling reference',
    alterRow('points_transactions', (r) => (r.order_id = '99999999')),
    /order_id 99999999 is neither in the file nor in the database/,
  ],
  [
    'a chain hash forged',
    alterRow('points_transactions', (r) => (r.row_hash = `\\x${'00'.repeat(32)}`)),
    /broken chain link/,
  ],
  [
    'not a backup',
    (p) => writeFile(p, 'id,email\n1,a@example.test\n'),
    /not a Pointkeeper backup: line 1 is not its JSON header/,
  ],
  [
    'JSON but not a backup',
    (p) => writeFile(p, '{"hello":"world"}\n'),
    /not a Pointkeeper backup: line 1 does not say "format"/,
  ],
  ['empty', (p) => writeFile(p, ''), /The file is empty/],
  [
    'damaged gzip',
    async (p) => {
      const gz = gzipSync(await readFile(good));
      await writeFile(p, gz.subarray(0, gz.length - 40));
    },
    /gzip data is corrupt or cut short/,
  ],
];

describe('a corpus of bad files: each refused with its own message, the database unchanged', () => {
  it.each(CORPUS)('%s', async (name, corrupt, message) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.ndjson`);
    await corrupt(path);
    const plan = await db.call('backup.restore.plan', { path, mode: 'replace' });
    const apply = await db.call('backup.restore.apply', { path, mode: 'replace', safetyDir: dir });
    if (name !== 'a chain hash forged')
      expect(plan).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    expect(apply).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    expect(await rowHashes(db.knex)).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('inspect describes a damaged file instead of refusing it', async () => {
    const path = join(dir, 'inspect-bad-sum.ndjson');
    await alterRow('points_transactions', (r) => (r.description = 'edited'), false)(path);
    const r = await db.call('backup.inspect', { path });
    expect(r).toMatchObject({
      ok: true,
      data: { checksum: { valid: false }, problem: expect.stringMatching(/Checksum mismatch/) },
    });
  });

  it('the good file itself restores (the corpus is bad because of its one change)', async () => {
    const copy = join(dir, 'good-copy.ndjson');
    await copyFile(good, copy);
    const r = await db.call('backup.restore.plan', { path: copy, mode: 'replace' });
    expect(r.ok).toBe(true);
  });
});

describe('fuzzing the bytes of a backup', () => {
  it('any change is refused as VALIDATION (never INTERNAL) and planning never writes', async () => {
    const bytes = await readFile(good);
    const path = join(dir, 'fuzz.ndjson');
    const inspected = await db.call('backup.inspect', { path: good });
    if (!inspected.ok) throw new Error(inspected.error.message);
    const original = inspected.data.checksum.actual;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip', 'cut', 'insert'),
        async (at, value, how) => {
          const changed =
            how === 'flip'
              ? Buffer.from(bytes.map((b, i) => (i === at ? b ^ value : b)))
              : how === 'cut'
                ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + value))])
                : Buffer.concat([bytes.subarray(0, at), Buffer.from([value]), bytes.subarray(at)]);
          await writeFile(path, changed);
          const r = await db.call('backup.restore.plan', { path, mode: 'merge' });
          // Accepted only when the content is untouched (a change inside the trailer's own
          // whitespace, or its final newline): the checksum covers every line before it.
          if (r.ok) expect(r.data.sha256).toBe(original);
          else expect(r.error.code).toBe('VALIDATION');
        },
      ),
      { numRuns: 60 },
    );
    expect(await rowHashes(db.knex)).toEqual(before);
  });
});
