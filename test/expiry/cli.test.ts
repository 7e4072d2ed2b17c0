import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ExpiryPreview,
  ExpiryPolicy,
  ExpiryRunResult,
  HistoryRow,
  Page,
  UserDetail,
} from '../../src/shared/contract';
import { databaseUrl, runCli } from '../support/cli';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
let dir: string;
const cli = (args: string[]) => runCli(args, { DATABASE_URL: databaseUrl(db.connection) });
const expiredRows = async () =>
  Number(
    (
      (await db.knex('points_transactions').where({ type: 'expired' }).count({ n: '*' }).first()) as {
        n: string;
      }
    ).n,
  );

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-expiry-cli-'));
  await db.knex.raw(
    `INSERT INTO users (id, email, name) SELECT i, 'x' || i || '@example.test', 'X' || i FROM generate_series(1, 5) i`,
  );
  // signup credits fall due at once (no admin can set 0 days; the test writes the policy row).
  await db.knex.raw(
    `INSERT INTO points_expiry_policies (credit_type, expires_after, effective_from, set_by)
     VALUES ('signup', interval '0', now() - interval '1 day', 'test')`,
  );
  for (let u = 1; u <= 5; u++) {
    await db.knex.raw(`SELECT pointkeeper_earn(?, 40, 'welcome', 'signup')`, [u]);
    await db.knex.raw(`SELECT pointkeeper_earn(?, 100, 'order', 'earned')`, [u]);
  }
  await db.knex.raw(`SELECT pointkeeper_redeem(1, 30, 'voucher')`);
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pointkeeper expiry policy', () => {
  it('refuses a policy of 0 days and a contradictory one, changing nothing', async () => {
    const zero = await cli(['expiry', 'policy', 'set', '--type', 'bonus', '--days', '0', '--json']);
    expect(zero.code).toBe(1);
    expect(JSON.parse(zero.stdout)).toMatchObject({ success: false, error: { code: 'VALIDATION' } });
    const both = await cli(['expiry', 'policy', 'set', '--type', 'bonus', '--days', '5', '--never']);
    expect(both.code).toBe(2);
    const list = JSON.parse((await cli(['expiry', 'policy', 'list', '--json'])).stdout) as ExpiryPolicy[];
    expect(list.find((p) => p.type === 'bonus')).toMatchObject({ months: null, days: null });
  });

  it('sets a policy for credits from now on; earlier credits keep their date', async () => {
    const r = await cli(['expiry', 'policy', 'set', '--type', 'earned', '--months', '12', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse((await cli(['expiry', 'policy', 'list', '--json'])).stdout) as ExpiryPolicy[];
    expect(list.find((p) => p.type === 'earned')).toMatchObject({ months: 12, days: null });
    await db.knex.raw(`SELECT pointkeeper_earn(2, 70, 'after the change', 'earned')`);
    const lots = (await db
      .knex('points_lots')
      .where({ user_id: 2, credit_type: 'earned' })
      .orderBy('id')) as Array<{
      expires_at: Date | null;
    }>;
    expect(lots[0]!.expires_at).toBeNull();
    expect(lots[1]!.expires_at).not.toBeNull();
  });
});

describe('pointkeeper expire', () => {
  it('previews without --yes (exit 3, nothing written) and with --dry-run (exit 0)', async () => {
    const preview = await cli(['expire']);
    expect(preview.code).toBe(3);
    expect(preview.stdout).toMatch(/lots due\s+5/);
    expect(preview.stderr).toMatch(/--yes/);
    const dry = await cli(['expire', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    // User 1 redeemed 30 of the signup lot first (it expires soonest): 10 of it is left.
    expect(JSON.parse(dry.stdout) as ExpiryPreview).toMatchObject({ lots: 5, users: 5, points: 170 });
    expect(await expiredRows()).toBe(0);
  });

  it('refuses an as-of in the future', async () => {
    const r = await cli(['expire', '--as-of', '2999-01-01T00:00:00Z', '--yes', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'VALIDATION' } });
    expect(await expiredRows()).toBe(0);
  });

  it('applies with --yes in chunks; a second run finds nothing; verify is clean', async () => {
    const r = await cli(['expire', '--yes', '--chunk', '2', '--json']);
    expect(r.code).toBe(0);
    const run = (JSON.parse(r.stdout) as { run: ExpiryRunResult }).run;
    expect(run).toMatchObject({ lots: 5, users: 5, points: 170, chunks: 3 });
    expect(await expiredRows()).toBe(5);
    const again = await cli(['expire', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ lots: 0 });
    expect((await cli(['verify'])).code).toBe(0);
  });

  it('users get carries the expiring figures; history shows the lots a redeem used', async () => {
    const user = JSON.parse((await cli(['users', 'get', '2', '--json'])).stdout) as UserDetail;
    expect(user.expiring).toMatchObject({ days30: 0, days90: 0, overdue: 0 });
    const h = JSON.parse((await cli(['history', '--user', '1', '--json'])).stdout) as Page<HistoryRow>;
    const redeem = h.items.find((x) => x.type === 'redeemed')!;
    const signup = h.items.find((x) => x.type === 'signup')!;
    expect(redeem.lots).toEqual([{ lotId: signup.id, points: 30 }]);
    expect(h.items.find((x) => x.type === 'expired')!.lots).toEqual([{ lotId: signup.id, points: 10 }]);
  });

  it('writes the points-expiring-by-month report as CSV', async () => {
    const out = join(dir, 'expiring.csv');
    const r = await cli(['expiry', 'report', '--out', out, '--months', '13']);
    expect(r.code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/month/i);
    expect(text).toMatch(/,1,1,70/);
  });
});
