import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of DESIGN.md are lint rules (eslint.boundaries.js): a fixture planted at a
 * path in a layer, with one import, must fail lint exactly when the import crosses a boundary.
 * Type-aware rules are off here: they need the file on disk, the layers only need its path.
 */
const REPO = resolve(import.meta.dirname, '..');
const eslint = new ESLint({
  cwd: REPO,
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
    },
  },
});

async function boundaryErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const planted = typeof imported;\n`, {
    filePath: resolve(REPO, path),
  });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.startsWith('boundaries/') || m.fatal)
    .map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('the layer rules', () => {
  it.each([
    [
      'ledger → api',
      'src/main/ledger/planted.ts',
      "import { createDispatcher as imported } from '../api/registry';",
    ],
    [
      'ledger → cli',
      'src/main/ledger/backup/planted.ts',
      "import { withCli as imported } from '../../cli/runtime';",
    ],
    [
      'db → contract',
      'src/main/db/planted.ts',
      "import { contract as imported } from '../../shared/contract';",
    ],
    [
      'api → electron',
      'src/main/api/planted.ts',
      "import { registerCalls as imported } from '../electron/ipc';",
    ],
    [
      'renderer → main',
      'src/renderer/src/data/planted.ts',
      "import { logger as imported } from '../../../main/logger';",
    ],
    [
      'screen → another screen',
      'src/renderer/src/screens/Audit/planted.tsx',
      "import { UsersScreen as imported } from '../Users/UsersScreen';",
    ],
    [
      'data → shell',
      'src/renderer/src/data/planted.ts',
      "import { SCREENS as imported } from '../app/screens';",
    ],
  ])('refuses %s', async (_name, path, source) => {
    const errors = await boundaryErrors(path, source);
    expect(errors.length, errors.join('\n')).toBe(1);
    expect(errors[0]).toMatch(/^boundaries\/dependencies: There is no policy allowing/);
  });

  it.each([
    // A folder nobody has created yet falls in its layer by its path.
    [
      'ledger (a new folder) → db',
      'src/main/ledger/approvals/planted.ts',
      "import { createKnex as imported } from '../../db/knex';",
    ],
    [
      'api → ledger',
      'src/main/api/handlers/planted.ts',
      "import { earn as imported } from '../../ledger/earn';",
    ],
    [
      'a screen → its own folder',
      'src/renderer/src/screens/Users/planted.tsx',
      "import { UsersScreen as imported } from './UsersScreen';",
    ],
    [
      'a new screen → components',
      'src/renderer/src/screens/Grants/planted.tsx',
      "import { Button as imported } from '../../components/Button';",
    ],
    [
      'data → the toast store',
      'src/renderer/src/data/planted.ts',
      "import { notify as imported } from '../app/toastStore';",
    ],
  ])('allows %s', async (_name, path, source) => {
    expect(await boundaryErrors(path, source)).toEqual([]);
  });
});
