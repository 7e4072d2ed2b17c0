import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../support/cli';
import { createTestDb, type TestDb } from '../support/db';
import { killAfterChunk } from '../support/killAfterChunk';
import { uncleanUsers } from '../support/ledgerCheck';

/** Issue 17B: an apply SIGKILLed halfway resumes to exactly the file's rows, none twice. */
const ROWS = 20_000;
const CHUNK = 1_000;
let db: TestDb;
let dir: string;
let userIds: number[];

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-grants-kill-'));
  const demo = await db.call('demo.generate', { users: 5_000, transactions: 5_000, discrepancies: 0 });
  if (!demo.ok) throw new Error(demo.error.message);
  userIds = await db.knex('users').orderBy('id').pluck('id');
}, 300_000);
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

function applyAndKill(importId: string, afterRows: number): Promise<number> {
  return killAfterChunk(
    'grants-apply',
    { DATABASE_URL: databaseUrl(db.connection), IMPORT_ID: importId, CHUNK_ROWS: String(CHUNK) },
    afterRows,
  );
}

describe('SIGKILL in the middle of a grant apply', () => {
  it('leaves whole chunks applied; a resume ends with exactly every row once', async () => {
    const lines = ['user,points,description,type'];
    for (let i = 0; i < ROWS; i++)
      lines.push(
        `${userIds[i % userIds.length]},${(i % 50) + 1},Kill test ${i},${i % 3 === 0 ? 'bonus' : 'earned'}`,
      );
    const path = join(dir, 'big.csv');
    await writeFile(path, `${lines.join('\n')}\n`);
    const before = Number((await db.knex('points_transactions').count({ n: '*' }).first())!.n);
    const staged = await db.call('grants.import', { path });
    if (!staged.ok || !staged.data.importId) throw new Error(JSON.stringify(staged));
    const importId = staged.data.importId;

    const seen = await applyAndKill(importId, ROWS / 2);
    const imp = (await db.knex('grant_imports').where({ id: importId }).first())!;
    expect(imp.status).toBe('applying');
    expect(imp.rows_applied).toBeGreaterThanOrEqual(seen);
    expect(imp.rows_applied).toBeLessThan(ROWS);
    // Whole chunks only: the ledger holds exactly the rows the import says it applied.
    expect(imp.rows_applied % CHUNK).toBe(0);
    const mid = Number((await db.knex('points_transactions').count({ n: '*' }).first())!.n);
    expect(mid - before).toBe(imp.rows_applied);
    expect(await uncleanUsers(db.knex)).toEqual([]);

    const resumed = await db.call('grants.apply', { importId, chunkRows: 3_000 });
    expect(resumed).toMatchObject({ ok: true, data: { status: 'done', rowsApplied: ROWS, rowsReplayed: 0 } });
    const after = Number((await db.knex('points_transactions').count({ n: '*' }).first())!.n);
    expect(after - before).toBe(ROWS);
    const keys = await db
      .knex('points_transactions')
      .where('idempotency_key', 'like', `grant-${staged.data.sha256.slice(0, 32)}-%`)
      .countDistinct({ n: 'idempotency_key' })
      .first();
    expect(Number(keys!.n)).toBe(ROWS);
    expect(await uncleanUsers(db.knex)).toEqual([]);
    expect((await db.knex.raw('SELECT * FROM pointkeeper_chain_breaks()')).rows).toEqual([]);
  }, 300_000);
});
