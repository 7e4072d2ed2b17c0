import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryPlan, RecoveryRun } from '../src/shared/contract';
import { databaseUrl, runCli } from './support/cli';
import { createTestDb, type TestDb } from './support/db';
import { ledgerSnapshot, uncleanUsers } from './support/ledgerCheck';

let db: TestDb;
let url: string;

const cli = (args: string[], target = url) => runCli(args, { DATABASE_URL: target });

const urlOf = (user: string, password: string) => databaseUrl({ ...db.connection, user, password });

beforeAll(async () => {
  db = await createTestDb();
  url = urlOf(db.connection.user, db.connection.password ?? '');
  const r = await db.call('demo.generate', { users: 40, transactions: 400, discrepancies: 0 });
  if (!r.ok) throw new Error(r.error.message);
  await db.knex('user_points').whereIn('user_id', [3, 7]).increment('points', 100);
  await db.knex('users').where({ id: 9 }).increment('rewards', 5);
});
afterAll(() => db.close());

describe('pointkeeper sync / recover', () => {
  it('without --yes prints the plan, changes nothing and exits 3 (preview only) with a hint', async () => {
    const before = await ledgerSnapshot(db.knex);
    const r = await cli(['recover', '--user', '3', '--user', '9']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/adjust_log_up/);
    expect(r.stdout).toMatch(/users changed\s+1/);
    // User 9's legacy copy is above their balance and log: quarantined, with the evidence.
    expect(r.stdout).toMatch(/users to investigate\s+1/);
    expect(r.stdout).toMatch(
      /user 9: investigate — nothing is applied\.\n {2}- The copies disagree: the legacy users\.rewards/,
    );
    expect(r.stderr).toMatch(/--yes/);
    expect(await ledgerSnapshot(db.knex)).toEqual(before);
  });

  it('--dry-run --json prints the plan and exits 0; bad usage exits 2', async () => {
    const r = await cli(['sync', '--discrepancies', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as RecoveryPlan;
    expect(plan.users.map((u) => u.userId)).toEqual([3, 7, 9]);
    expect(plan.totals.balancesLowered).toEqual({ users: 2, points: 200 });
    expect((await cli(['sync'])).code).toBe(2);
    expect((await cli(['sync', '--all', '--user', '1'])).code).toBe(2);
    expect((await cli(['sync', '--user', 'x1'])).code).toBe(2);
  });

  it('a non-admin login is refused with exit 1; --yes as admin applies and the users are clean', async () => {
    const auditor = await db.loginAs('auditor');
    const password = 'auditor-pw-1';
    await db.knex.raw(`ALTER ROLE ${auditor.login} PASSWORD '${password}'`);
    const refused = await cli(['recover', '--discrepancies', '--yes'], urlOf(auditor.login, password));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FORBIDDEN/);
    expect(await uncleanUsers(db.knex)).toEqual([3, 7, 9]);

    const r = await cli(['recover', '--discrepancies', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { run: done } = JSON.parse(r.stdout) as { plan: RecoveryPlan; run: RecoveryRun };
    expect(done).toMatchObject({ status: 'done', usersChanged: 2, adjustments: 2, adjustmentPoints: 200 });
    expect(await uncleanUsers(db.knex)).toEqual([9]);
    // A person resolves the quarantined user, with a reason the operations log keeps.
    const short = await cli([
      'recovery',
      'resolve',
      '--user',
      '9',
      '--decision',
      'accept_log',
      '--reason',
      'ok',
    ]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const resolved = await cli([
      'recovery',
      'resolve',
      '--user',
      '9',
      '--decision',
      'accept_log',
      '--reason',
      'legacy copy was edited by the import script',
    ]);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(await uncleanUsers(db.knex)).toEqual([]);
    const logged = await db
      .knex('operations_log')
      .where({ action: 'recovery.resolve', outcome: 'ok' })
      .first('input');
    expect(logged?.input).toMatchObject({
      userId: 9,
      decision: 'accept_log',
      reason: 'legacy copy was edited by the import script',
    });
    const again = await cli(['sync', '--all', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/Nothing to change/);
  });
});
