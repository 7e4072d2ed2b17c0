import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREEN_ONLY } from '../src/main/cli/screenOnly';
import { CALL_NAMES } from '../src/shared/contract';

const CLI = resolve(import.meta.dirname, '../src/main/cli');

/** The contract calls the command line's sources make (`cli.call('…')`, `dispatch('…')`). */
async function callsMadeByTheCli(): Promise<Set<string>> {
  const files = (await readdir(CLI, { recursive: true })).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  const made = new Set<string>();
  for (const file of files) {
    const text = await readFile(join(CLI, file), 'utf8');
    for (const m of text.matchAll(/\b(?:call|dispatch)\(\s*'([A-Za-z.]+)'/g)) made.add(m[1]!);
  }
  return made;
}

describe('the command line and the contract', () => {
  it('has a command for every call, or says why the call is screen-only', async () => {
    const made = await callsMadeByTheCli();
    const neither = CALL_NAMES.filter((name) => !made.has(name) && !(name in SCREEN_ONLY));
    expect(neither, 'calls with no command and no screen-only reason').toEqual([]);
    const both = CALL_NAMES.filter((name) => made.has(name) && name in SCREEN_ONLY);
    expect(both, 'screen-only calls the CLI makes after all').toEqual([]);
    for (const [name, reason] of Object.entries(SCREEN_ONLY)) {
      expect(CALL_NAMES, `${name} is not a contract call`).toContain(name);
      expect(reason.trim().length, `${name} needs a reason`).toBeGreaterThan(10);
    }
  });

  it('makes only calls the contract has', async () => {
    const unknown = [...(await callsMadeByTheCli())].filter(
      (name) => !(CALL_NAMES as string[]).includes(name),
    );
    expect(unknown).toEqual([]);
  });
});
