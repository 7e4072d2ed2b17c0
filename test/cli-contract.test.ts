import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/main/cli/index';
import { amount, wholeNumber } from '../src/main/cli/parse';
import type { Command } from 'commander';
import { runCli } from './support/cli';

/** A server nobody listens on: every command that connects fails the same clear way. */
const NOWHERE = { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/nothing' };
const cli = (args: string[]) => runCli(args, NOWHERE);

function leaves(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the command line’s machine contract', () => {
  it('--json errors are one JSON document on stdout', async () => {
    const r = await cli(['whoami', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      success: false,
      error: { code: 'DB_UNAVAILABLE', message: expect.stringMatching(/Cannot reach PostgreSQL/) },
    });
    // A usage error too, even one commander finds before any command runs.
    const usage = await cli(['earn', '--user', '1', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      success: false,
      error: { code: 'USAGE', message: "required option '--points <n>' not specified" },
    });
    const migrate = await cli(['db', 'migrate', '--json']);
    expect(JSON.parse(migrate.stdout)).toMatchObject({ success: false, error: { code: 'DB_UNAVAILABLE' } });
  });

  it('a missing option is one line on stderr with exit 2; so is a statement without a period', async () => {
    const r = await cli(['earn', '--user', '1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/required option '--points <n>' not specified/);
    const statement = await cli(['statement', '--user', '1']);
    expect(statement.code).toBe(2);
    expect(statement.stderr).toMatch(/give --from and --to/);
  });

  it('numbers are strict: no padding, no sign, no leading zeros', async () => {
    for (const bad of [' 5', '5 ', '+5', '-5', '05', '5.0', '1e3', '0x10', '']) {
      expect(() => wholeNumber(bad), JSON.stringify(bad)).toThrow(/is not a whole number/);
    }
    expect(wholeNumber('0')).toBe(0);
    expect(wholeNumber('1200')).toBe(1200);
    for (const bad of [' 2.50', '2.50 ', '+2', '02.5', '2.505']) expect(() => amount(bad)).toThrow();
    expect(amount('25.99')).toBe(25.99);
    const r = await cli(['earn', '--user', ' 5', '--points', '1', '--description', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/" 5" is not a whole number/);
  });

  it('--version prints the package version', async () => {
    const version = (
      JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('every command accepts --json', () => {
    const all = leaves(buildProgram());
    expect(all.length).toBeGreaterThan(20);
    const without = all.filter(({ command }) => !command.options.some((o) => o.long === '--json'));
    expect(without.map((c) => c.path)).toEqual([]);
  });
});
