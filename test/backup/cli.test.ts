import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKnex } from '../../src/main/db/knex';
import { databaseUrl, runCli } from '../support/cli';

describe('pointkeeper backup export | inspect | restore | verify', () => {
  const admin = inject('pg');
  const database = `pk_bkcli_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl({ ...admin, database });
  let dir: string;

  const cli = (args: string[]) => runCli(args, { DATABASE_URL: url });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pk-backup-cli-'));
    const root = createKnex({ ...admin, database: 'postgres' }, 1);
    await root.raw(`CREATE DATABASE ${database}`);
    await root.destroy();
    const demo = await cli(['demo', '--users', '50', '--transactions', '500', '--json']);
    expect(demo.code, demo.stderr).toBe(0);
  });
  afterAll(async () => {
    const root = createKnex({ ...admin, database: 'postgres' }, 1);
    await root.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await root.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports, inspects, previews with --dry-run, asks before restoring, restores with --yes, verifies', async () => {
    const file = join(dir, 'cli.ndjson.gz');
    const exported = await cli(['backup', 'export', '--out', file, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = (JSON.parse(exported.stdout) as { rows: number }).rows;

    const inspected = await cli(['backup', 'inspect', file, '--json']);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ checksum: { valid: true }, problem: null });

    const dry = await cli(['backup', 'restore', file, '--mode', 'merge', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/points_transactions\s+\d+\s+0\s+\d+\s+0/);

    // No terminal to confirm on: the plan is a preview, nothing is restored (exit 3).
    const unasked = await cli(['backup', 'restore', file, '--mode', 'replace']);
    expect(unasked.code).toBe(3);
    expect(unasked.stderr).toMatch(/preview.*--yes/);

    const restored = await cli([
      'backup',
      'restore',
      file,
      '--mode',
      'replace',
      '--yes',
      '--json',
      '--safety-dir',
      dir,
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ checks: { chainBreaks: 0, copyMismatches: 0 } });
    expect((await readdir(dir)).some((f) => f.startsWith('pointkeeper-safety-'))).toBe(true);

    const verified = await cli(['backup', 'verify', file, '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, rows, chainBreaks: 0, copyMismatches: 0 });

    const bad = await cli(['backup', 'restore', join(dir, 'missing.ndjson'), '--mode', 'merge', '--dry-run']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/NOT_FOUND.*There is no file/);
  });
});
