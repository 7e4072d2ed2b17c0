import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALL_NAME_LIST } from '../src/shared/channels.generated';
import { CALL_NAMES } from '../src/shared/contract';

describe('the preload channel list', () => {
  it('is the contract\'s call names, in order (run "npm run gen:channels" after adding a call)', () => {
    expect([...CALL_NAME_LIST]).toEqual(CALL_NAMES);
  });

  it('is all the preload takes from shared code: no contract, so no zod in the preload', async () => {
    const source = await readFile(resolve(import.meta.dirname, '../src/preload/index.ts'), 'utf8');
    const valueImports = [...source.matchAll(/^import (?!type )[^;]*from '([^']+)';/gm)].map((m) => m[1]);
    expect(valueImports.sort()).toEqual([
      '../shared/channels',
      '../shared/channels.generated',
      '../shared/progress',
      'electron',
    ]);
  });
});
