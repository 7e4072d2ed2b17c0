import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowHashes } from '../backup/helpers';
import { createTestDb, type TestDb } from '../support/db';

const BIN = join(__dirname, '..', '..', 'bin', 'pointkeeper.mjs');
let db: TestDb;
let dir: string;

function databaseUrl(): string {
  const { user, password, host, port, database } = db.connection;
  return `postgres://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`;
}

/** Runs the CLI against this file's database and SIGKILLs it once `ready()` says so. */
function killWhen(args: string[], ready: () => Promise<boolean>): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<'killed' | 'finished'>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`pointkeeper ${args.join(' ')} failed (code ${code}): ${stderr}`));
    }),
  );
  const poll = async () => {
    while (child.exitCode === null) {
      if (await ready()) {
        child.kill('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  void poll();
  return exited;
}

async function verifyClean(): Promise<void> {
  const r = await db.call('verify.ledger', {});
  expect(r.ok && r.data.checks.filter((c) => !c.ok)).toEqual([]);
}

beforeAll(async () => {
  db = await createTestDb();
  const demo = await db.call('demo.generate', { users: 5_000, transactions: 80_000, discrepancies: 0 });
  expect(demo.ok).toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'pointkeeper-kill-'));
  await chmod(dir, 0o755);
}, 120_000);
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL during backup work', () => {
  it('an export killed halfway leaves no backup file, only a .partial that is refused as one', async () => {
    const before = await rowHashes(db.knex);
    const out = join(dir, 'killed.ndjson');
    const partialGrown = async () => {
      for (const f of await readdir(dir)) {
        if (f.endsWith('.partial') && (await stat(join(dir, f))).size > 0) return true;
      }
      return false;
    };
    expect(await killWhen(['backup', 'export', '--out', out], partialGrown)).toBe('killed');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    const partial = (await readdir(dir)).find((f) => f.endsWith('.partial'))!;
    const inspected = await db.call('backup.inspect', { path: join(dir, partial) });
    // Truncated: no trailer, so never mistaken for a backup (inspect names the problem or refuses).
    expect(!inspected.ok || inspected.data.problem !== null).toBe(true);
    expect(await rowHashes(db.knex)).toEqual(before);
    await verifyClean();
    // The next export of the same file clears what the killed one left: its writer is gone. A
    // partial file whose writer still runs (this process) stays.
    const host = hostname().replace(/[^A-Za-z0-9-]/g, '-');
    const live = `.killed.ndjson.${host}.${process.pid}.0123456789ab.partial`;
    await writeFile(join(dir, live), 'still being written');
    const again = await db.call('backup.export', { scope: { userIds: [1] }, path: out });
    expect(again.ok).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([live]);
    await rm(join(dir, live));
  }, 180_000);

  it('a restore killed inside its transaction writes nothing; run again it restores exactly the backup', async () => {
    const file = join(dir, 'full.ndjson');
    const exported = await db.call('backup.export', { scope: 'full', path: file });
    expect(exported.ok).toBe(true);
    const atBackup = await rowHashes(db.knex);
    // The ledger moves on after the backup, so a replace restore has real work to undo.
    for (let userId = 1; userId <= 50; userId++) {
      const r = await db.call('points.earn', { userId, points: 7, description: 'after the backup' });
      expect(r.ok).toBe(true);
    }
    const beforeRestore = await rowHashes(db.knex);
    const safety = join(dir, 'safety');
    await mkdir(safety, { mode: 0o755 });
    // The safety backup is complete before the restore's transaction begins: kill soon after.
    const safetyWritten = async () => {
      const files = await readdir(safety).catch(() => []);
      return files.some((f) => !f.endsWith('.partial'));
    };
    const outcome = await killWhen(
      ['backup', 'restore', file, '--mode', 'replace', '--yes', '--safety-dir', safety],
      safetyWritten,
    );
    // Restoring 80,000 rows takes far longer than the 20 ms poll: the kill lands inside it.
    expect(outcome).toBe('killed');
    expect(await rowHashes(db.knex)).toEqual(beforeRestore);
    await verifyClean();
    // And the same restore run to the end afterwards brings back exactly the backup.
    expect(
      await killWhen(
        ['backup', 'restore', file, '--mode', 'replace', '--yes', '--safety-dir', safety],
        async () => false,
      ),
    ).toBe('finished');
    const restored = await rowHashes(db.knex);
    expect(restored.points_transactions).toEqual(atBackup.points_transactions);
    await verifyClean();
  }, 300_000);
});
