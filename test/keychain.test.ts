import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const FIXTURE = 'test/fixtures/keytar-roundtrip.ts';
const home = mkdtempSync(join(tmpdir(), 'pk-keychain-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((t) => !has(t));

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(command, args, { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the keytar fixture printed no result (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

// A scratch HOME, so the keyring created here is nobody's real one.
const baseEnv = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: join(home, '.local/share') };

describe('the OS keychain through keytar', () => {
  it('round-trips a password through a real Secret Service (gnome-keyring on D-Bus)', (ctx) => {
    if (missing.length > 0) {
      ctx.skip(`no ${missing.join(' or ')} here: apt-get install dbus gnome-keyring (see .ci/run)`);
    }
    const script = `echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "${process.execPath}" --import tsx ${FIXTURE} Pointkeeper-test`;
    const result = run('dbus-run-session', ['--', 'sh', '-c', script], baseEnv);
    expect(result).toEqual({
      status: { available: true, reason: null },
      read: true,
      removed: true,
      afterRemove: null,
    });
  });

  it('without a Secret Service says so plainly instead of failing', () => {
    const result = run(process.execPath, ['--import', 'tsx', FIXTURE], {
      ...baseEnv,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}`,
    });
    expect(result.status).toMatchObject({ available: false });
    expect((result.status as { reason: string }).reason).toMatch(
      /^No OS keychain is available .*ask for the password each time and never writes it to disk\.$/,
    );
  });
});
