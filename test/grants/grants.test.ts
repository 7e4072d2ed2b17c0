import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyImport } from '../../src/main/ledger/grants/apply';
import { databaseUrl, runCli } from '../support/cli';
import { createTestDb, type TestDb } from '../support/db';
import { ledgerSnapshot, uncleanUsers } from '../support/ledgerCheck';

/**
 * Issue 17B: bulk grants from CSV, through the registry as an operator login (which holds only
 * SELECT and EXECUTE): every bad file is refused by line with nothing written, a good one
 * applies once, set-based, keeping the keyed chain and the copies right.
 */
let db: TestDb;
let dir: string;
type Login = Awaited<ReturnType<TestDb['loginAs']>>;
let operator: Login;
const ids = [8_100_001, 8_100_002, 8_100_003];

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-grants-'));
  await db
    .knex('users')
    .insert(ids.map((id, i) => ({ id, email: `g${i}@example.test`, name: `Grant ${i}` })));
  const earned = await db.call('points.earn', { userId: ids[0]!, points: 100, description: 'Opening' });
  if (!earned.ok) throw new Error(earned.error.message);
  await db.knex('orders').insert({ id: 9_100_001, user_id: ids[1]!, amount: 10 });
  operator = await db.loginAs('operator');
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${n++}.csv`);
  await writeFile(path, content);
  return path;
}

const lines = (...rows: string[]) => rows.join('\n') + '\n';

async function check(content: string | Buffer) {
  const result = await operator.call('grants.import', { path: await file(content) });
  if (!result.ok) throw new Error(result.error.message);
  return result.data;
}

describe('the bad-CSV corpus: each problem by line, nothing written', () => {
  const cases: Array<[string, string | Buffer, Array<[number, RegExp]>]> = [
    ['wrong header', lines('customer,points,description', '1,5,x'), [[1, /unknown column "customer"/]]],
    ['a missing column', lines('user,points', `${ids[0]},5`), [[1, /lacks description/]]],
    [
      'unknown users',
      lines('user,points,description', '99999999,5,a', 'nobody@example.test,5,b', `${ids[0]},5,ok`),
      [
        [2, /no user has id 99999999/],
        [3, /no user has the email nobody@example.test/],
      ],
    ],
    [
      'bad points 0, -5, 10001, 1.5, empty, text',
      lines(
        'user,points,description',
        `${ids[0]},0,a`,
        `${ids[0]},-5,b`,
        `${ids[0]},10001,c`,
        `${ids[0]},1.5,d`,
        `${ids[0]},,e`,
        `${ids[0]},ten,f`,
      ),
      [
        [2, /from 1 to 10,000 \(got 0\)/],
        [3, /got -5\): write a debit as type redeemed/],
        [4, /got 10001/],
        [5, /whole number .*"1\.5"/],
        [6, /points is empty/],
        [7, /whole number .*"ten"/],
      ],
    ],
    [
      'duplicate keys',
      lines('user,points,description,key', `${ids[0]},5,a,k-1`, `${ids[1]},5,b,k-2`, `${ids[2]},5,c,k-1`),
      [[4, /key k-1 is also on line 2/]],
    ],
    [
      'a redeem below zero, counting the earlier rows of the file',
      lines(
        'user,points,description,type',
        `${ids[0]},60,spend,redeemed`,
        `${ids[0]},50,spend more,redeemed`,
        `${ids[1]},5,nothing to spend,redeemed`,
      ),
      [
        [3, /below zero \(40 before this row, it takes 50\)/],
        [4, /below zero \(0 before this row, it takes 5\)/],
      ],
    ],
    [
      'an unknown type',
      lines('user,points,description,type', `${ids[0]},5,a,gift`),
      [[2, /type must be one of/]],
    ],
    [
      'an order of another user',
      lines('user,points,description,order id', `${ids[0]},5,a,9100001`),
      [[2, /order 9100001 belongs to another user/]],
    ],
    [
      'a 1 MB field',
      lines('user,points,description', `${ids[0]},5,fine`, `${ids[1]},5,${'x'.repeat(1024 * 1024)}`),
      [[3, /larger than 64 KB/]],
    ],
    [
      'wrong encoding (Latin-1)',
      Buffer.concat([
        Buffer.from(`user,points,description\n${ids[0]},5,caf`),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
      [[2, /not valid UTF-8/]],
    ],
    ['UTF-16', Buffer.from('\ufeffuser,points,description\n', 'utf16le'), [[1, /UTF-16/]]],
    ['an empty file', '', [[1, /the file is empty/]]],
    ['a header and no rows', lines('user,points,description'), [[2, /header but no rows/]]],
    [
      'a row with too many fields',
      lines('user,points,description', `${ids[0]},5,a,extra`),
      [[2, /has 4 field\(s\), the header has 3/]],
    ],
    [
      'a description of 501 characters',
      lines('user,points,description', `${ids[0]},5,${'d'.repeat(501)}`),
      [[2, /at most 500 characters/]],
    ],
  ];
  for (const [name, content, expected] of cases) {
    it(name, async () => {
      const before = await ledgerSnapshot(db.knex);
      const imports = await db.knex('grant_imports').count({ n: '*' }).first();
      const result = await check(content);
      expect(result.importId).toBeNull();
      expect(result.preview).toBeNull();
      if (process.env.DEBUG_GRANTS) console.log(name, JSON.stringify(result.problems));
      expect(result.problemCount).toBe(expected.length);
      expect(result.problems.map((p) => p.line)).toEqual(expected.map(([line]) => line));
      for (const [i, [, pattern]] of expected.entries()) expect(result.problems[i]!.problem).toMatch(pattern);
      expect(await ledgerSnapshot(db.knex)).toEqual(before);
      expect(await db.knex('grant_imports').count({ n: '*' }).first()).toEqual(imports);
    });
  }
});

describe('a good file', () => {
  const good = lines(
    'User,Points,Description,Type,Order ID,Key',
    `${ids[0]},500,"Spring bonus, with a comma",bonus,,`,
    `g1@example.test,250,Apology,earned,,apology-1`,
    `${ids[0]},300,Voucher,redeemed,,`,
    `${ids[2]},10,"=HYPERLINK(""x"")",earned,,`,
    `${ids[1]},20,"Quoted, with ""quotes""",earned,9100001,`,
  );

  it('previews, applies once, and a second import of the same file replays every row', async () => {
    const path = await file(good);
    const dry = await operator.call('grants.check', { path });
    if (!dry.ok) throw new Error(dry.error.message);
    if (process.env.DEBUG_GRANTS) console.log(JSON.stringify(dry.data.problems));
    expect(dry.data).toMatchObject({ problemCount: 0, importId: null });
    expect(dry.data.preview).toMatchObject({
      rows: 5,
      users: 3,
      pointsCredited: 780,
      pointsDebited: 300,
      alreadyApplied: 0,
    });
    expect(dry.data.preview!.byType).toEqual([
      { type: 'bonus', rows: 1, points: 500 },
      { type: 'earned', rows: 3, points: 280 },
      { type: 'redeemed', rows: 1, points: -300 },
    ]);
    expect(dry.data.preview!.firstUsers[0]).toMatchObject({
      userId: ids[0],
      balanceNow: 100,
      balanceAfter: 300,
      rowCount: 2,
    });
    expect(await db.knex('grant_imports').count({ n: '*' }).first()).toEqual({ n: 0 });

    const staged = await operator.call('grants.import', { path });
    if (!staged.ok || !staged.data.importId) throw new Error(JSON.stringify(staged));
    const applied = await operator.call('grants.apply', { importId: staged.data.importId, chunkRows: 2 });
    expect(applied).toMatchObject({
      ok: true,
      data: { status: 'done', rowsApplied: 5, rowsReplayed: 0, rowsRefused: 0 },
    });
    const balances = await db.knex('user_points').whereIn('user_id', ids).orderBy('user_id').pluck('points');
    expect(balances).toEqual([300, 270, 10]);
    expect(await uncleanUsers(db.knex, ids)).toEqual([]);
    const breaks = await db.knex.raw('SELECT * FROM pointkeeper_chain_breaks()');
    expect(breaks.rows).toEqual([]);
    const authors = await db
      .knex('points_transactions')
      .where('idempotency_key', 'like', 'grant-%')
      .distinct('created_by');
    expect(authors).toEqual([{ created_by: operator.login }]);

    const again = await operator.call('grants.import', { path });
    if (!again.ok || !again.data.importId) throw new Error(JSON.stringify(again));
    expect(again.data.preview!.alreadyApplied).toBe(5);
    const replay = await operator.call('grants.apply', { importId: again.data.importId });
    expect(replay).toMatchObject({ ok: true, data: { status: 'done', rowsApplied: 0, rowsReplayed: 5 } });
    expect(await db.knex('user_points').whereIn('user_id', ids).orderBy('user_id').pluck('points')).toEqual(
      balances,
    );

    const out = join(dir, 'result.csv');
    const result = await operator.call('grants.result', { importId: staged.data.importId, path: out });
    expect(result).toMatchObject({ ok: true, data: { rows: 5 } });
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe(
      'line,user,type,points,description,order id,key,outcome,transaction id,reason',
    );
    expect(text).toMatch(/,applied,\d+,/);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    const log = await db.knex('operations_log').where('action', 'like', 'grants.%').pluck('action');
    expect(log).toEqual(
      expect.arrayContaining(['grants.stage', 'grants.start', 'grants.chunk', 'grants.finish']),
    );
  });

  it('an auditor cannot import', async () => {
    const auditor = await db.loginAs('auditor');
    const r = await auditor.call('grants.import', { path: await file(good) });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('a bulk grant a policy covers', () => {
  it('needs an approved request from another login, applies once, and the log shows both', async () => {
    const admin = await db.loginAs('admin');
    const policy = await admin.call('policies.set', {
      kind: 'grants.apply',
      enabled: true,
      pointsAbove: 1000,
      reason: 'four eyes on big grants',
    });
    expect(policy.ok).toBe(true);
    const path = await file(
      lines('user,points,description', `${ids[2]},900,Big one`, `${ids[2]},200,Another`),
    );
    const staged = await operator.call('grants.import', { path });
    if (!staged.ok || !staged.data.importId) throw new Error(JSON.stringify(staged));
    const importId = staged.data.importId;
    const before = await db.knex('user_points').where({ user_id: ids[2] }).first();

    const refused = await operator.call('grants.apply', { importId });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', details: { approvalRequired: true } },
    });
    expect(await db.knex('grant_imports').where({ id: importId }).first()).toMatchObject({
      status: 'staged',
    });

    const request = await operator.call('grants.request', { importId, reason: 'campaign of the week' });
    if (!request.ok) throw new Error(request.error.message);
    const self = await operator.call('approvals.approve', {
      id: request.data.requestId,
      reason: 'me' + ' too',
    });
    expect(self).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const shown = await admin.call('approvals.show', { id: request.data.requestId });
    expect(shown).toMatchObject({ ok: true, data: { kind: 'grants.apply', points: 1100, users: 1 } });
    const approved = await admin.call('approvals.approve', {
      id: request.data.requestId,
      reason: 'looks right',
    });
    expect(approved).toMatchObject({ ok: true, data: { state: 'approved' } });

    const applied = await operator.call('grants.apply', { importId });
    expect(applied).toMatchObject({ ok: true, data: { status: 'done', rowsApplied: 2 } });
    const after = await db.knex('user_points').where({ user_id: ids[2] }).first();
    expect(after!.points - before!.points).toBe(1100);
    const row = await db.knex('grant_imports').where({ id: importId }).first();
    expect(row!.approval_request_id).toBe(request.data.requestId);
    const log = await db
      .knex('operations_log')
      .whereIn('action', ['approvals.request', 'approvals.approve', 'approvals.apply', 'grants.start'])
      .orderBy('id')
      .select('action', 'actor');
    expect(log).toEqual(
      expect.arrayContaining([
        { action: 'approvals.approve', actor: admin.login },
        { action: 'approvals.apply', actor: operator.login },
      ]),
    );
    await admin.call('policies.set', { kind: 'grants.apply', enabled: false, reason: 'test over' });
  });
});

describe('the command line', () => {
  it('grants import: problems exit 1 with their lines, --dry-run previews, --yes applies, result writes the file', async () => {
    const env = { DATABASE_URL: databaseUrl(db.connection) };
    const bad = await file(lines('user,points,description', `${ids[0]},0,zero`));
    const refused = await runCli(['grants', 'import', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^2\s+points must be from 1 to 10,000 \(got 0\)/m);

    const good = await file(lines('user,points,description', `${ids[0]},7,From the CLI`));
    const before = await db.knex('user_points').where({ user_id: ids[0] }).first();
    const dry = await runCli(['grants', 'import', good, '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      problemCount: 0,
      preview: { rows: 1, pointsCredited: 7 },
    });
    const preview = await runCli(['grants', 'import', good], env);
    expect(preview.code).toBe(3);
    expect(await db.knex('user_points').where({ user_id: ids[0] }).first()).toEqual(before);

    const applied = await runCli(['grants', 'import', good, '--yes', '--json'], env);
    expect(applied.code).toBe(0);
    const { import: imp } = JSON.parse(applied.stdout) as { import: { importId: string; status: string } };
    expect(imp.status).toBe('done');
    expect((await db.knex('user_points').where({ user_id: ids[0] }).first())!.points).toBe(
      before!.points + 7,
    );

    const out = join(dir, 'cli-result.csv');
    const result = await runCli(['grants', 'result', imp.importId, '--out', out], env);
    expect(result.code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('From the CLI,,');
  }, 120_000);
});

describe('cancel', () => {
  it('stops after the current chunk with the applied rows kept; a resume finishes the rest once', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${ids[i % 3]},${i + 1},Cancel test ${i}`);
    const staged = await operator.call('grants.import', {
      path: await file(lines('user,points,description', ...rows)),
    });
    if (!staged.ok || !staged.data.importId) throw new Error(JSON.stringify(staged));
    const importId = staged.data.importId;
    const stop = new AbortController();
    await expect(
      applyImport(operator.session.knex, importId, {
        chunkRows: 2,
        signal: stop.signal,
        onProgress: (p) => p.rows >= 4 && stop.abort(),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await db.knex('grant_imports').where({ id: importId }).first()).toMatchObject({
      status: 'cancelled',
      rows_applied: 4,
    });
    const done = await operator.call('grants.apply', { importId, chunkRows: 3 });
    expect(done).toMatchObject({ ok: true, data: { status: 'done', rowsApplied: 10, rowsReplayed: 0 } });
    const written = await db
      .knex('points_transactions')
      .where('description', 'like', 'Cancel test %')
      .count({ n: '*' });
    expect(written).toEqual([{ n: 10 }]);
  });
});
