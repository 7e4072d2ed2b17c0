import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, runCli } from './support/cli';
import { createTestDb, type TestDb } from './support/db';

/** `pointkeeper approvals …` and `pointkeeper policies …` as two different logins. */
let db: TestDb;
let asOperator: (args: string[]) => ReturnType<typeof runCli>;
let asAdmin: (args: string[]) => ReturnType<typeof runCli>;
const userId = 7_200_001;

beforeAll(async () => {
  db = await createTestDb();
  await db.knex('users').insert({ id: userId, email: 'cli-approvals@example.test', name: 'CLI Approvals' });
  const operator = await db.loginAs('operator');
  const admin = await db.loginAs('admin');
  asOperator = (args) => runCli(args, { DATABASE_URL: databaseUrl(operator.session.connection) });
  asAdmin = (args) => runCli(args, { DATABASE_URL: databaseUrl(admin.session.connection) });
});
afterAll(() => db.close());

describe('the approvals command line', () => {
  it('policies set/list; earn becomes a request; the requester cannot approve; another admin does', async () => {
    const refused = await asOperator([
      'policies',
      'set',
      '--kind',
      'earn',
      '--enabled',
      'yes',
      '--points-above',
      '5000',
      '--reason',
      'x y z',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FORBIDDEN/);
    const set = await asAdmin([
      'policies',
      'set',
      '--kind',
      'earn',
      '--enabled',
      'yes',
      '--points-above',
      '5000',
      '--reason',
      'four eyes',
    ]);
    expect(set.code, set.stderr).toBe(0);
    const list = await asOperator(['policies', 'list', '--json']);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ kind: 'earn', enabled: true, pointsAbove: 5000 });

    const earn = await asOperator([
      'earn',
      '--user',
      String(userId),
      '--points',
      '9000',
      '--description',
      'Big one',
      '--json',
    ]);
    expect(earn.code).toBe(1);
    const pending = JSON.parse(earn.stdout) as { error: { code: string; message: string } };
    expect(pending.error.code).toBe('APPROVAL_PENDING');
    const id = /request ([0-9a-f-]{36})/.exec(pending.error.message)![1]!;

    const mine = await asOperator(['approvals', 'list', '--view', 'mine']);
    expect(mine.stdout).toContain(id);
    expect(mine.stdout).toContain('pending');
    const own = await asOperator(['approvals', 'approve', id, '--reason', 'mine']);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/FORBIDDEN/);

    const waiting = await asAdmin(['approvals', 'list', '--json']);
    expect((JSON.parse(waiting.stdout) as Array<{ id: string }>).map((r) => r.id)).toContain(id);
    const shown = await asAdmin(['approvals', 'show', id]);
    expect(shown.stdout).toMatch(/"points": 9000/);
    const approved = await asAdmin(['approvals', 'approve', id, '--reason', 'checked']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/Approved and applied/);
    const sum = await db.knex('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first();
    expect(Number(sum?.s)).toBe(9000);

    const again = await asAdmin(['approvals', 'deny', id, '--reason', 'too late']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/CONFLICT.*applied/);
  }, 300_000);
});
