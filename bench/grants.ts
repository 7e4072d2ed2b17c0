/**
 * Bulk grants (issue 17B): a 100,000-row grant file checked, staged and applied through the
 * registry (grants.import, then grants.apply in 5,000-row chunks), against the least any correct
 * writer could do with the same rows: COPY them into a scratch table and one INSERT … SELECT
 * into the log that computes the keyed chain per user (rolled back, so both start from the same
 * ledger). Time and this process's peak memory, each as a ratio. Then the same size again,
 * SIGKILLed halfway in a child process and resumed: it must end with exactly 100,000 new rows.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { benchDatabase, peakRss, row, type BenchDb, type BenchRow } from './support';

const round = (n: number) => Math.round(n * 100) / 100;

async function grantFile(dir: string, name: string, userIds: number[], rows: number): Promise<string> {
  const lines = ['user,points,description,type'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `${userIds[i % userIds.length]},${(i % 100) + 1},${name} grant ${i},${i % 4 === 0 ? 'bonus' : 'earned'}`,
    );
  const path = join(dir, `${name}.csv`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function ours(db: BenchDb, path: string): Promise<{ seconds: number; importId: string }> {
  const t = performance.now();
  const staged = await db.dispatch('grants.import', { path });
  if (!staged.ok) throw new Error(staged.error.message);
  const { importId, problemCount } = staged.data as { importId: string | null; problemCount: number };
  if (!importId) throw new Error(`the bench file has ${problemCount} problems`);
  const applied = await db.dispatch('grants.apply', { importId });
  if (!applied.ok) throw new Error(applied.error.message);
  return { seconds: (performance.now() - t) / 1000, importId };
}

/** COPY of the same rows into a scratch table, then one INSERT … SELECT with the chain; rolled back. */
async function reference(knex: Knex, userIds: number[], rows: number): Promise<number> {
  const t = performance.now();
  await knex
    .transaction(async (trx) => {
      await trx.raw(`CREATE TEMP TABLE scratch (line integer, user_id integer, type text, points integer,
        description text, key text) ON COMMIT DROP`);
      const connection = (await trx.client.acquireConnection()) as PoolClient;
      const copy = connection.query(copyFrom('COPY scratch FROM STDIN'));
      const done = new Promise((resolve, reject) => copy.on('finish', resolve).on('error', reject));
      const batch: string[] = [];
      for (let i = 0; i < rows; i++) {
        batch.push(
          `${i + 2}\t${userIds[i % userIds.length]}\t${i % 4 === 0 ? 'bonus' : 'earned'}\t${(i % 100) + 1}\tref grant ${i}\tref-${i}\n`,
        );
        if (batch.length === 5000 || i === rows - 1) {
          if (!copy.write(batch.join(''))) await new Promise((r) => copy.once('drain', r));
          batch.length = 0;
        }
      }
      copy.end();
      await done;
      await trx.raw(`
        INSERT INTO points_transactions (id, user_id, type, points, description, idempotency_key, created_by,
          created_at, prev_hash, row_hash)
        SELECT c.id, c.user_id, c.type, c.points, c.description, c.key, current_user, now(),
               coalesce(lag(c.h) OVER (PARTITION BY c.user_id ORDER BY c.id), c.seed, '\\x'::bytea), c.h
        FROM (SELECT s.*, x.seed, pointkeeper_hmac_chain(x.seed, pointkeeper_tx_content(s.id, s.user_id, s.type,
                       s.points, s.description, NULL, NULL, NULL, s.key, current_user::text, now()), k.chain_key)
                       OVER (PARTITION BY s.user_id ORDER BY s.id) AS h
              FROM (SELECT nextval('points_transactions_id_seq')::integer AS id, * FROM scratch) s
              CROSS JOIN pointkeeper_keys k
              JOIN (SELECT u.user_id, (SELECT p.row_hash FROM points_transactions p WHERE p.user_id = u.user_id
                                       ORDER BY p.id DESC LIMIT 1) AS seed
                    FROM (SELECT DISTINCT user_id FROM scratch) u) x ON x.user_id = s.user_id) c`);
      throw new Error('rollback');
    })
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'rollback')) throw error;
    });
  return (performance.now() - t) / 1000;
}

/** Applies `importId` in a child process and SIGKILLs it once half the rows are committed. */
function applyAndKill(db: BenchDb, importId: string, rows: number): Promise<number> {
  const { user, password, host, port, database } = db.connection;
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'test', 'fixtures', 'grants-apply.ts')],
    { env: { ...process.env, DATABASE_URL: url, IMPORT_ID: importId }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout.on('data', (data: Buffer) => {
      for (const m of data.toString().matchAll(/^chunk (\d+)$/gm)) seen = Number(m[1]);
      if (seen >= rows / 2 && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the apply was not killed (exit ${code})`)),
    );
  });
}

async function killAndResume(db: BenchDb, path: string): Promise<{ rows: number; killedAt: number }> {
  const knex = db.session.knex;
  const before = Number((await knex('points_transactions').count({ n: '*' }).first())!.n);
  const staged = await db.dispatch('grants.import', { path });
  if (!staged.ok) throw new Error(staged.error.message);
  const { importId } = staged.data as { importId: string };
  const killedAt = await applyAndKill(db, importId, Number((staged.data as { rows: number }).rows));
  const resumed = await db.dispatch('grants.apply', { importId });
  if (!resumed.ok) throw new Error(resumed.error.message);
  const after = Number((await knex('points_transactions').count({ n: '*' }).first())!.n);
  return { rows: after - before, killedAt };
}

export async function run(quick: boolean): Promise<BenchRow[]> {
  const rows = quick ? 10_000 : 100_000;
  const users = quick ? 5_000 : 50_000;
  const db = await benchDatabase('pointkeeper_bench_grants', { users, transactions: users });
  const dir = await mkdtemp(join(tmpdir(), 'pointkeeper-bench-grants-'));
  try {
    const knex = db.session.knex;
    const userIds = (await knex('users').orderBy('id').pluck('id')) as number[];
    const ref = await peakRss(() => reference(knex, userIds, rows));
    // The reference's rolled-back rows are dead tuples at the top of the log's indexes: ours would
    // step over them in every lookup of a user's last row. Both measure against a clean log.
    await knex.raw('VACUUM (ANALYZE) points_transactions');
    const mine = await peakRss(async () => ours(db, await grantFile(dir, 'bench', userIds, rows)));
    const resumed = await killAndResume(db, await grantFile(dir, 'killed', userIds, rows));
    if (resumed.rows !== rows)
      throw new Error(`killed and resumed, the import wrote ${resumed.rows} of ${rows} rows`);
    const label = `${rows.toLocaleString('en-US')} rows, ${users.toLocaleString('en-US')} users`;
    return [
      row({
        name: `grant file checked, staged and applied (${label})`,
        value: round(mine.result.seconds),
        unit: 's',
        reference: round(ref.result),
        referenceName: 'COPY into a scratch table + one INSERT … SELECT with the chain',
        goal: '≤ 3×',
      }),
      row({
        name: `grant file, peak memory of this process (${label})`,
        value: mine.peakMb,
        unit: 'MB',
        reference: ref.peakMb,
        referenceName: 'same process during the reference',
        goal: '< 300 MB',
      }),
      row({
        name: `grant apply SIGKILLed at ${resumed.killedAt.toLocaleString('en-US')} rows, resumed: rows written (${label})`,
        value: resumed.rows,
        unit: 'rows',
        reference: rows,
        referenceName: 'rows in the file',
        goal: 'exactly 1×',
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.close();
  }
}
