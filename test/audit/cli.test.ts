import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary, UserAudit, UserStatement } from '../../src/shared/contract';
import { databaseUrl, runCli } from '../support/cli';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let url: string;
let dir: string;

const cli = (args: string[]) => runCli(args, { DATABASE_URL: url });

beforeAll(async () => {
  db = await createTestDb();
  const c = db.connection;
  url = databaseUrl(c);
  dir = await mkdtemp(join(tmpdir(), 'pk-cli-audit-'));
  const r = await db.call('demo.generate', { users: 30, transactions: 300, discrepancies: 0 });
  if (!r.ok) throw new Error(r.error.message);
  await db.knex('user_points').where({ user_id: 4 }).increment('points', 25);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.close();
});

describe('pointkeeper audit, scan, statement, report', () => {
  it('scan --json finds the broken user; report scan writes a CSV of the same findings', async () => {
    const scan = await cli(['scan', '--json']);
    expect(scan.code).toBe(0);
    const summary = JSON.parse(scan.stdout) as ScanSummary;
    expect(summary).toMatchObject({ status: 'done', discrepancies: 1, pointsAtStake: 25, usersScanned: 30 });
    const out = join(dir, 'scan.csv');
    const report = await cli(['report', 'scan', '--out', out, '--json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ path: out, format: 'csv', rows: 1 });
    const rows = parse(await readFile(out, 'utf8'), { columns: true, comment: '#' }) as Array<
      Record<string, string>
    >;
    expect(rows).toMatchObject([
      { user_id: '4', code: 'balance_mismatch', difference: '25', action: 'recover' },
    ]);
  });

  it('audit prints the user audit; statement gives the period and the balance as of a moment', async () => {
    const audit = await cli(['audit', '--user', '4', '--json']);
    expect(audit.code).toBe(0);
    const a = JSON.parse(audit.stdout) as UserAudit;
    expect(a.dataIntegrity.discrepancies.map((d) => d.code)).toEqual(['balance_mismatch']);
    const text = await cli(['audit', '--user', '4']);
    expect(text.stdout).toMatch(/hash chain\s+intact/);
    const s = await cli([
      'statement',
      '--user',
      '4',
      '--from',
      '2000-01-01T00:00:00Z',
      '--to',
      '2100-01-01T00:00:00Z',
      '--json',
    ]);
    const statement = JSON.parse(s.stdout) as UserStatement;
    expect(statement.closingBalance).toBe(a.summary.current_points);
    const at = await cli(['statement', '--user', '4', '--at', '2000-01-01T00:00:00Z', '--json']);
    expect(JSON.parse(at.stdout)).toMatchObject({ balance: 0, transactions: 0 });
  });

  it('exits 2 on usage errors and 1 when the ledger refuses', async () => {
    expect((await cli(['report', 'scan', '--out', join(dir, 'x.txt')])).code).toBe(2);
    expect((await cli(['scan', '--timeout', 'soon'])).code).toBe(2);
    const missing = await cli(['audit', '--user', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND');
  });
});
