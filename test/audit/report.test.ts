import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Discrepancy } from '../../src/shared/contract';
import { createTestDb, type TestDb } from '../support/db';
import { appendSealed } from '../support/ledgerRows';

const run = promisify(execFile);
let db: TestDb;
let dir: string;
let userId: number;
let scanId: number;
const times: string[] = [];

async function ok<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

/** The row's own time, exact to the microsecond, as ISO 8601. */
async function timeOf(id: number): Promise<string> {
  const row = (await db
    .knex('points_transactions')
    .where({ id })
    .first(db.knex.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`))) as {
    t: string;
  };
  return row.t;
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-report-'));
  await ok(db.call('demo.generate', { users: 30, transactions: 300, discrepancies: 6 }));
  userId = 4_000_000;
  await db.knex('users').insert({ id: userId, email: 'statement@example.test', name: 'Statement, "Quoted"' });
  for (const [kind, points] of [
    ['earn', 500],
    ['earn', 250],
    ['redeem', 100],
    ['earn', 40],
    ['redeem', 90],
  ] as const) {
    // The first credit holds a newline, which the write API refuses today but older rows may
    // hold: it is appended as such (the next write rebuilds the balance row from the log).
    const r =
      kind === 'earn' && points === 500
        ? {
            transactionId: (
              await appendSealed(db.knex, {
                user_id: userId,
                type: 'earned',
                points,
                description: `credit, "${points}"\nline two`,
              })
            ).id,
          }
        : kind === 'earn'
          ? await ok(db.call('points.earn', { userId, points, description: `credit, "${points}"` }))
          : await ok(db.call('points.redeem', { userId, points, description: `debit ${points}` }));
    times.push(await timeOf(r.transactionId));
    await new Promise((res) => setTimeout(res, 3));
  }
  scanId = (await ok(db.call('audit.scan', {}))).scanId;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.close();
});

describe('audit.statement and audit.balanceAt', () => {
  it('give opening, credits, debits, closing and the rows between, from the log', async () => {
    const s = await ok(db.call('audit.statement', { userId, from: times[1]!, to: times[3]! }));
    expect(s).toMatchObject({
      openingBalance: 500,
      credits: 290,
      debits: 100,
      closingBalance: 690,
      truncated: false,
    });
    expect(s.rows.map((r) => [r.points, r.balanceAfter])).toEqual([
      [250, 750],
      [-100, 650],
      [40, 690],
    ]);
    const all = await ok(
      db.call('audit.statement', { userId, from: '2000-01-01T00:00:00Z', to: times[4]!, limit: 2 }),
    );
    expect(all).toMatchObject({ openingBalance: 0, closingBalance: 600, truncated: true });
    expect(all.rows).toHaveLength(2);
    expect(await ok(db.call('audit.balanceAt', { userId, at: times[2]! }))).toMatchObject({
      balance: 650,
      transactions: 3,
    });
    expect(await ok(db.call('audit.balanceAt', { userId, at: '2001-01-01T00:00:00Z' }))).toMatchObject({
      balance: 0,
    });
  });

  it('refuses a period that ends before it starts, and an unknown user', async () => {
    expect(await db.call('audit.statement', { userId, from: times[3]!, to: times[1]! })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: 'from: from must not be after to' },
    });
    expect(await db.call('audit.balanceAt', { userId: 123_456_789, at: times[0]! })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});

describe('report.export', () => {
  it('writes the scan report as CSV that re-imports into the same rows, and logs the export', async () => {
    const path = join(dir, 'scan.csv');
    const r = await ok(db.call('report.export', { report: 'scan', format: 'csv', path, scanId }));
    const rows = parse(await readFile(path, 'utf8'), { columns: true, comment: '#', cast: false }) as Array<
      Record<string, string>
    >;
    const page = await ok(db.call('audit.scanResults', { scanId, limit: 500 }));
    expect(page.items.length).toBeGreaterThanOrEqual(6);
    const cell = (v: number | null) => (v === null ? '' : String(v));
    expect(rows).toEqual(
      page.items.map((d: Discrepancy) => ({
        user_id: String(d.userId),
        code: d.code,
        stored: cell(d.stored),
        expected: cell(d.expected),
        difference: cell(d.difference),
        transaction_id: cell(d.transactionId),
        redemption_id: cell(d.redemptionId),
        action: d.recommendation.action,
        effect: d.recommendation.effect,
        message: d.message,
      })),
    );
    expect(r).toMatchObject({ path, format: 'csv', rows: rows.length, bytes: (await stat(path)).size });
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^# Discrepancy report — scan \d+\n# Database: /);
    const logged = await db
      .knex('operations_log')
      .where({ action: 'report.export' })
      .orderBy('id', 'desc')
      .first();
    expect(logged).toMatchObject({ outcome: 'ok', input: { path, report: 'scan', format: 'csv' } });
  });

  it("writes a user's statement as CSV with commas, quotes and newlines intact", async () => {
    const path = join(dir, 'statement.csv');
    await ok(
      db.call('report.export', {
        report: 'statement',
        format: 'csv',
        path,
        userId,
        from: times[0]!,
        to: times[4]!,
      }),
    );
    const rows = parse(await readFile(path, 'utf8'), { columns: true, comment: '#' }) as Array<
      Record<string, string>
    >;
    const s = await ok(db.call('audit.statement', { userId, from: times[0]!, to: times[4]! }));
    expect(rows.map((r) => [Number(r.id), r.description, Number(r.balance_after)])).toEqual(
      s.rows.map((r) => [r.id, r.description, r.balanceAfter]),
    );
    expect(rows[0]!.description).toBe('credit, "500"\nline two');
  });

  it('writes a PDF whose first page renders (pdftoppm) with text on it', async () => {
    const path = join(dir, 'scan.pdf');
    const r = await ok(db.call('report.export', { report: 'scan', format: 'pdf', path, scanId }));
    expect(r.bytes).toBeGreaterThan(1000);
    expect((await readFile(path)).subarray(0, 5).toString()).toBe('%PDF-');
    await run('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', path, join(dir, 'page')]);
    const png = (await readdir(dir)).find((f) => f.startsWith('page') && f.endsWith('.png'));
    expect(png).toBeDefined();
    const image = await readFile(join(dir, png!));
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    // A rendered page with a title and a table is far from blank: many distinct bytes after compression.
    expect(image.length).toBeGreaterThan(3000);
    const { stdout } = await run('pdftotext', ['-f', '1', '-l', '1', path, '-']);
    expect(stdout).toContain(`Discrepancy report - scan ${scanId}`);
    expect(stdout).toContain('Points at stake');
  });

  it('refuses a relative path or a missing folder, and leaves no file behind', async () => {
    expect(
      await db.call('report.export', { report: 'scan', format: 'csv', path: 'relative.csv', scanId }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const missing = join(dir, 'nope', 'x.pdf');
    expect(
      await db.call('report.export', { report: 'scan', format: 'pdf', path: missing, scanId }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('does not exist') },
    });
    expect(
      await db.call('report.export', {
        report: 'scan',
        format: 'pdf',
        path: join(dir, 'y.pdf'),
        scanId: 999_999,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await readdir(dir)).filter((f) => f.includes('partial') || f === 'y.pdf')).toEqual([]);
  });
});
