import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_BIN } from '../bench/debianServer';

/** Data folders of the Debian bench clusters whose postmaster is running now, by its command line. */
function runningBenchClusters(): string[] {
  const folders: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const data = argv[argv.indexOf('-D') + 1];
    if (argv[0]?.endsWith('/postgres') && data?.includes('pointkeeper-bench-pg-')) folders.push(data);
  }
  return folders;
}

/** A cluster this test started, stopped and removed if the bench left it behind (the failing case). */
let started: string | undefined;
afterEach(() => {
  if (!started || !runningBenchClusters().includes(started)) return;
  const stop = [join(PG_BIN, 'pg_ctl'), '-D', started, '-m', 'immediate', '-w', 'stop'];
  const [command, ...args] = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', ...stop] : stop;
  execFileSync(command!, args);
  rmSync(join(started, '..'), { recursive: true, force: true });
});

describe.skipIf(!existsSync(join(PG_BIN, 'initdb')))('a bench run ended by a signal', () => {
  it('stops the Debian cluster it started and removes its folder, and records no figure', async () => {
    const before = new Set(runningBenchClusters());
    // The audit it was running fails as the server goes: that failure is not a result.
    const report = join('bench', 'results', 'latest-quick-audit-debian.md');
    const readReport = () => (existsSync(report) ? readFileSync(report, 'utf8') : null);
    const reportBefore = readReport();
    const child = spawn(
      process.execPath,
      ['bin/run-ts.mjs', 'bench/index.ts', '--quick', '--only=audit', '--server=debian'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const serverUp = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('server: postgres')) resolve();
      });
      child.once('exit', () => reject(new Error(`the bench ended before its server started:\n${stderr}`)));
    });
    await serverUp;
    const ours = runningBenchClusters().filter((d) => !before.has(d));
    expect(ours).toHaveLength(1);
    started = ours[0];

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    // 128 + 15: the exit status a shell reports for a process ended by SIGTERM.
    expect(await exited).toBe(143);
    expect(stderr).toContain('SIGTERM: stopping the bench server');
    expect(runningBenchClusters()).not.toContain(ours[0]);
    expect(existsSync(ours[0]!)).toBe(false);
    expect(readReport()).toBe(reportBefore);
  }, 120_000);
});
