import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_TABLES } from '../../src/shared/contract/backup';
import { createTestDb, type TestDb } from '../support/db';
import { firstRow, openLines, rowHashes, rowLine, rowObject, type FileLines } from './helpers';

/**
 * Files a forger makes: each edited with the checksum recomputed, so only the restore's own
 * judgement (src/main/ledger/backup/judge.ts) stands between them and the ledger.
 */
let db: TestDb;
let dir: string;
let one: string;
let two: string;
let userId: number;
let otherId: number;
let before: Record<string, string[]>;
let sequences: Record<string, string>;

async function sequenceValues(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of BACKUP_TABLES) {
    const r = (await db.knex.raw(
      `SELECT last_value::text || ':' || is_called AS v FROM ${table}_id_seq`,
    )) as { rows: Array<{ v: string }> };
    out[table] = r.rows[0]!.v;
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-backup-crafted-'));
  const seeded = await db.call('demo.generate', { users: 12, transactions: 240, discrepancies: 0 });
  if (!seeded.ok) throw new Error(seeded.error.message);
  const ids = (await db
    .knex('user_points')
    .where('points', '>', 0)
    .orderBy('user_id')
    .pluck('user_id')) as number[];
  [userId, otherId] = [ids[0]!, ids[1]!];
  one = join(dir, 'one.ndjson');
  two = join(dir, 'two.ndjson');
  for (const [path, scope] of [
    [one, [userId]],
    [two, [userId, otherId]],
  ] as const) {
    const r = await db.call('backup.export', { scope: { userIds: [...scope] }, path });
    if (!r.ok) throw new Error(r.error.message);
  }
  before = await rowHashes(db.knex);
  sequences = await sequenceValues();
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

type Edit = (file: FileLines) => void;

function editRow(
  table: 'users' | 'user_points' | 'points_transactions',
  change: (r: Record<string, unknown>) => void,
): Edit {
  return (file) => {
    const i = firstRow(file.lines, table);
    const row: Record<string, unknown> = rowObject(file.lines, table, i);
    change(row);
    file.lines[i] = rowLine(file.lines, table, row);
  };
}

/** A new log row for the file's first user, placed first in its section. */
function addAdjustment(points: number, id: number): Edit {
  return (file) => {
    const i = firstRow(file.lines, 'points_transactions');
    const row: Record<string, unknown> = {
      ...rowObject(file.lines, 'points_transactions', i),
      id: String(id),
      type: 'adjustment',
      points: String(points),
      description: 'crafted',
      order_id: null,
      order_amount: null,
      idempotency_key: null,
      reverses_id: null,
    };
    file.lines.splice(i, 0, rowLine(file.lines, 'points_transactions', row));
  };
}

const plus = (n: number) => (r: Record<string, unknown>) => {
  r.points = String(Number(r.points) + n);
};

const CORPUS: Array<[string, string, Edit, RegExp]> = [
  [
    'user_points raised by 5,000',
    'one',
    editRow('user_points', plus(5000)),
    /^Line \d+ \(user_points id \d+\): user \d+ holds [\d,]+ points but the file's own log explains [\d,]+\./,
  ],
  [
    'users.rewards raised by 5,000',
    'one',
    editRow('users', (r) => (r.rewards = String(Number(r.rewards) + 5000))),
    /^Line 3 \(users id \d+\): users.rewards is [\d,]+ but the file's own log explains [\d,]+\./,
  ],
  [
    'both copies raised, with a matching forged earn missing',
    'one',
    (f) => {
      editRow('user_points', (r) => {
        r.points = String(Number(r.points) + 100);
        r.total_earned = String(Number(r.total_earned) + 100);
      })(f);
      editRow('users', (r) => (r.rewards = String(Number(r.rewards) + 100)))(f);
    },
    /^Line \d+ \(user_points id \d+\): user \d+ holds/,
  ],
  [
    'a −10,000,000 adjustment (negative log balance)',
    'one',
    addAdjustment(-10_000_000, 1_000_000),
    /^Line \d+ \(points_transactions, user \d+\): the file's log sums to -[\d,]+ points .*no balance may be negative/,
  ],
  [
    'rows of a user outside the header scope',
    'two',
    (f) => {
      f.lines[0] = f.lines[0]!.replace(/"userIds":\[[^\]]*\]/, `"userIds":[${userId}]`);
    },
    /^Line \d+ \(users id \d+\): user \d+ is outside the file's scope \(header: users \d+\)/,
  ],
  [
    'a transaction id near 2^31',
    'one',
    editRow('points_transactions', (r) => (r.id = '2147483000')),
    /^Line \d+ \(points_transactions id 2147483000\): id 2,147,483,000 is beyond the ids this console accepts/,
  ],
  [
    'a user_points id that would bump its sequence to the end',
    'one',
    editRow('user_points', (r) => (r.id = '2147000000')),
    /^Line \d+ \(user_points id 2147000000\): id 2,147,000,000 is beyond/,
  ],
  [
    'two maximal adjustments overflowing the balance',
    'one',
    (f) => {
      addAdjustment(2_000_000_000, 1_000_001)(f);
      addAdjustment(2_000_000_000, 1_000_002)(f);
    },
    /^Line \d+ \(points_transactions, user \d+\): user \d+'s log adds up to [\d,]+ points, more than a balance column holds/,
  ],
];

describe('crafted files with valid checksums: refused naming the line, database and sequences unchanged', () => {
  it.each(CORPUS)('%s', async (name, base, edit, message) => {
    const file = await openLines(base === 'one' ? one : two);
    edit(file);
    const path = join(dir, `${name.replace(/\W+/g, '-')}.ndjson`);
    await file.resealTo(path);
    for (const mode of ['replace', 'merge'] as const) {
      const plan = await db.call('backup.restore.plan', { path, mode });
      expect(plan).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
      const apply = await db.call('backup.restore.apply', { path, mode, safetyDir: dir });
      expect(apply).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    }
    // backup verify judges the file by the same rules, with the same words.
    const verified = await db.call('backup.verify', { path });
    expect(verified).toMatchObject({ ok: false, error: { code: 'VALIDATION', message } });
    expect(await rowHashes(db.knex)).toEqual(before);
    expect(await sequenceValues()).toEqual(sequences);
  });

  it('a file signed by another database restores only with the acknowledgement, which is logged', async () => {
    const file = await openLines(one);
    const path = join(dir, 'foreign.ndjson');
    await file.resealTo(path);
    // The same content with a signature made by another database's key (a forged one here:
    // this database cannot tell the two apart, and says so).
    const text = await readFile(path, 'utf8');
    const trailer = JSON.parse(text.trimEnd().split('\n').at(-1)!) as { trailer: Record<string, unknown> };
    trailer.trailer.signature = {
      signature: 'ab'.repeat(32),
      signer: 'someone_else',
      signedAt: '2026-12-01T10:00:00.000000Z',
      keyFingerprint: '0123456789abcdef',
    };
    const lines = text.trimEnd().split('\n');
    lines[lines.length - 1] = JSON.stringify(trailer);
    await writeFile(path, `${lines.join('\n')}\n`);
    const own = await db.call('backup.restore.plan', { path: one, mode: 'merge' });
    expect(own).toMatchObject({ ok: true, data: { signature: { status: 'this_database' } } });
    if (own.ok)
      expect(own.data.signature.text).toMatch(/^signed by this database \(exported by \S+ at \d{4}-/);
    const plan = await db.call('backup.restore.plan', { path, mode: 'merge' });
    expect(plan).toMatchObject({
      ok: true,
      data: {
        signature: {
          status: 'other_database',
          text: expect.stringMatching(
            /^signed by another Pointkeeper database \(key fingerprint 0123456789abcdef\)/,
          ),
        },
      },
    });
    const refused = await db.call('backup.restore.apply', { path, mode: 'merge', safetyDir: dir });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: expect.stringMatching(/not signed by this database.*acknowledgement/),
      },
    });
    expect(await rowHashes(db.knex)).toEqual(before);
    expect(await sequenceValues()).toEqual(sequences);
    const r = await db.call('backup.restore.apply', {
      path,
      mode: 'merge',
      safetyDir: dir,
      acknowledgeNotSignedHere: true,
    });
    expect(r.ok).toBe(true);
    const logged = (await db
      .knex('operations_log')
      .where({ action: 'backup.restore.apply', outcome: 'ok' })
      .orderBy('id', 'desc')
      .first('input')) as { input: Record<string, unknown> };
    expect(logged.input).toMatchObject({ acknowledgeNotSignedHere: true });
    // The export and the safety backup were signed, each in the operations log.
    expect(
      Number((await db.knex('operations_log').where({ action: 'backup.sign' }).count({ n: '*' }).first())!.n),
    ).toBeGreaterThanOrEqual(3);
  });

  it('the unedited files restore (each crafted file is refused for its one change)', async () => {
    for (const path of [one, two]) {
      const r = await db.call('backup.restore.plan', { path, mode: 'replace' });
      expect(r.ok).toBe(true);
    }
  });
});
