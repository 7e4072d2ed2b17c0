import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createKnex } from '../src/main/db/knex';
import { clusterDir } from '../src/main/db/embedded';
import { BIN, databaseUrl, runCli } from './support/cli';

const run = promisify(execFile);

/**
 * Waits (up to `ms`) until no server runs on the cluster: a test that plants a lock or counts on
 * starting the server itself must not begin while an earlier test's server is still stopping.
 */
async function noServer(pidFile: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  expect(existsSync(pidFile), `a server still runs on ${pidFile}`).toBe(false);
}

/** No DATABASE_URL from the outer environment: each test says which database it means. */
const cli = (args: string[], env: Record<string, string | undefined>) =>
  runCli(args, { DATABASE_URL: undefined, ...env });

describe('CLI against another PostgreSQL through DATABASE_URL', () => {
  const admin = inject('pg');
  const database = `pk_cli_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl({ ...admin, database });

  beforeAll(async () => {
    const root = createKnex({ ...admin, database: 'postgres' }, 1);
    await root.raw(`CREATE DATABASE ${database}`);
    await root.destroy();
  });
  afterAll(async () => {
    const root = createKnex({ ...admin, database: 'postgres' }, 1);
    await root.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await root.destroy();
  });

  it('demo migrates an empty database and fills it; users search prints JSON', async () => {
    const demo = await cli(['demo', '--users', '300', '--transactions', '3000', '--json'], {
      DATABASE_URL: url,
    });
    expect(demo.code).toBe(0);
    expect(JSON.parse(demo.stdout)).toMatchObject({ users: 300 });
    // Again by mistake: refused, nothing added; --append is the way to add more.
    const again = await cli(['demo', '--users', '5', '--transactions', '10'], { DATABASE_URL: url });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--append');
    expect((await cli(['users', 'get', '301', '--json'], { DATABASE_URL: url })).code).toBe(1);
    const search = await cli(['users', 'search', 'ad', '--json'], { DATABASE_URL: url });
    expect(search.code).toBe(0);
    const page = JSON.parse(search.stdout) as { items: Array<{ name: string; email: string }> };
    expect(page.items.length).toBeGreaterThan(0);
    for (const u of page.items) expect(`${u.name}|${u.email}`.toLowerCase()).toMatch(/^ad|\|ad/);
  });

  it('earn prints the spec response; a refusal exits 1; a usage error exits 2', async () => {
    const earn = await cli(
      ['earn', '--user', '1', '--points', '100', '--description', 'Order bonus', '--json'],
      {
        DATABASE_URL: url,
      },
    );
    expect(earn.code).toBe(0);
    const body = JSON.parse(earn.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ success: true, pointsEarned: 100 });
    expect(body.message).toBe(
      `Successfully earned 100 points! Your new total is ${String(body.currentPoints)} points.`,
    );
    const refused = await cli(['redeem', '--user', '1', '--points', '10000', '--description', 'too much'], {
      DATABASE_URL: url,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INSUFFICIENT_POINTS/);
    const usage = await cli(['earn', '--user', 'one', '--points', '1', '--description', 'x'], {
      DATABASE_URL: url,
    });
    expect(usage.code).toBe(2);
    const history = await cli(['history', '--user', '1', '--json', '--limit', '2'], { DATABASE_URL: url });
    const newest = (JSON.parse(history.stdout) as { items: unknown[] }).items[0];
    expect(newest).toMatchObject({ description: 'Order bonus', points: 100, type: 'earned' });
  });

  it('a reader that stops early (| head) does not crash the command', async () => {
    const base = { ...process.env };
    delete base.DATABASE_URL;
    const { stdout } = await run(
      'bash',
      ['-o', 'pipefail', '-c', `node ${BIN} users search a --limit 300 | head -c 10; echo " exit=$?"`],
      { env: { ...base, DATABASE_URL: url }, timeout: 60_000 },
    );
    expect(stdout).toMatch(/ exit=0$/m);
  });

  it('names host and port when the server cannot be reached', async () => {
    const r = await cli(['users', 'search', 'a'], { DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DB_UNAVAILABLE.*127\.0\.0\.1:1/);
  });
});

describe('CLI on the embedded database (no DATABASE_URL)', () => {
  let home: string;
  beforeAll(async () => {
    const parent = await mkdtemp(join(tmpdir(), 'pointkeeper-cli-'));
    await chmod(parent, 0o755);
    home = join(parent, 'home');
  });
  afterAll(async () => {
    await rm(join(home, '..'), { recursive: true, force: true });
  });

  it('creates, migrates and reuses its own server; two CLIs at once do no damage', async () => {
    const env = { POINTKEEPER_HOME: home };
    const demo = await cli(['demo', '--users', '200', '--transactions', '1000', '--json'], env);
    expect(demo.code, demo.stderr).toBe(0);
    // Four processes at once on one data folder: each joins or starts the one server, and the
    // last to leave stops it while none of the others is still using it.
    const runs = await Promise.all([
      cli(['users', 'search', 'a', '--json', '--limit', '5'], env),
      cli(['users', 'get', '1', '--json'], env),
      cli(['earn', '--user', '2', '--points', '5', '--description', 'parallel', '--json'], env),
      cli(['history', '--user', '2', '--json', '--limit', '1'], env),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(runs[1]!.stdout)).toMatchObject({ id: 1 });
    expect(JSON.parse(runs[2]!.stdout)).toMatchObject({ success: true, pointsEarned: 5 });
  });

  it('survives a stale lock left by a killed server', { timeout: 180_000 }, async () => {
    const dataDir = await clusterDir(home);
    await noServer(join(dataDir, 'postmaster.pid'));
    // A PID that cannot be alive: the lock a crashed server would leave behind.
    await writeFile(join(dataDir, 'postmaster.pid'), `999999\n${dataDir}\n0\n5999\n`);
    const r = await cli(['users', 'get', '2', '--json'], { POINTKEEPER_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 2 });
  });

  it(
    'Ctrl-C cancels between whole chunks, closes the session and stops the server it started',
    { timeout: 180_000 },
    async () => {
      const dataDir = await clusterDir(home);
      const pid = join(dataDir, 'postmaster.pid');
      await noServer(pid);
      const base = { ...process.env };
      delete base.DATABASE_URL;
      const child = spawn(
        'node',
        [BIN, 'demo', '--append', '--users', '400000', '--transactions', '800000'],
        {
          env: { ...base, POINTKEEPER_HOME: home },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Its own server's start, which it reports once its session is open and Ctrl-C is its own.
      // A lock file proves nothing: it may be an earlier test's server's, left before this child
      // had even loaded.
      while (!stderr.includes('Started the local database')) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 2_000));
      child.kill('SIGINT');
      const code = await exited;
      expect(code, stderr).toBe(1);
      expect(stderr).toContain('[CANCELLED]');
      // Nobody else was connected, so the server this CLI started is stopped, not orphaned.
      expect(existsSync(pid)).toBe(false);
      const r = await cli(['users', 'search', 'a', '--json', '--limit', '1'], { POINTKEEPER_HOME: home });
      expect(r.code, r.stderr).toBe(0);
    },
  );

  it('a keeper holds the server between consecutive calls, leaves it when idle, and db stop ends it', async () => {
    const dataDir = await clusterDir(home);
    const pidFile = join(dataDir, 'postmaster.pid');
    const keep = { POINTKEEPER_HOME: home, POINTKEEPER_KEEP_ALIVE: '3' };
    const first = await cli(['whoami', '--json'], keep);
    expect(first.code, first.stderr).toBe(0);
    // The first call left; its keeper holds the same server for the next one.
    expect(existsSync(pidFile)).toBe(true);
    const serverPid = (await readFile(pidFile, 'utf8')).split('\n')[0];
    const second = await cli(['users', 'get', '2', '--json'], keep);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('Started the local database');
    expect((await readFile(pidFile, 'utf8')).split('\n')[0]).toBe(serverPid);
    // Idle for longer than POINTKEEPER_KEEP_ALIVE: the keeper stops the server and exits.
    const deadline = Date.now() + 20_000;
    while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(existsSync(pidFile)).toBe(false);

    expect((await cli(['whoami', '--json'], keep)).code).toBe(0);
    expect(existsSync(pidFile)).toBe(true);
    const stop = await cli(['db', 'stop', '--json'], { POINTKEEPER_HOME: home });
    expect(JSON.parse(stop.stdout)).toEqual({ stopped: true });
    expect(existsSync(pidFile)).toBe(false);

    const bad = await cli(['whoami'], { POINTKEEPER_HOME: home, POINTKEEPER_KEEP_ALIVE: 'soon' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('POINTKEEPER_KEEP_ALIVE must be a whole number of seconds');
  });
});
