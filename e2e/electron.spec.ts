import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../scripts/require-electron.mjs';
import { ShellPage } from './pages/ShellPage';
import { UsersPage } from './pages/UsersPage';

/**
 * The real app in a real Electron: built main, preload and renderer, on the embedded database of
 * a scratch data folder. It needs the Electron binary, which cannot be downloaded everywhere:
 * where it is missing the test is reported as skipped, with the reason.
 */
const REPO = resolve(import.meta.dirname, '..');
const binary = electronBinary();
const SKIPPED = `No Electron ${binary.version ?? ''} binary: ${relative(REPO, binary.checked)} does not exist (.ci/run installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as this network cannot download it); run "node node_modules/electron/install.js" where the network allows, or set ELECTRON_OVERRIDE_DIST_PATH`;
// The list reporter prints a skip without its reason: where it is skipped, the title carries it.
const because = binary.path === null ? ` (skipped: ${SKIPPED})` : '';

test.describe('the desktop app (Electron)', () => {
  test.skip(binary.path === null, SKIPPED);
  test.setTimeout(180_000);

  let home = '';
  test.beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'pk-electron-'));
    const env = { ...process.env, POINTKEEPER_HOME: home, DATABASE_URL: '' };
    execFileSync('npx', ['electron-vite', 'build'], { cwd: REPO, stdio: 'inherit' });
    execFileSync(
      process.execPath,
      ['bin/pointkeeper.mjs', 'demo', '--users', '200', '--transactions', '1000'],
      {
        cwd: REPO,
        env,
        stdio: 'inherit',
      },
    );
  });
  test.afterAll(() => rmSync(home, { recursive: true, force: true }));

  test(`opens the window on the embedded database and searches a user${because}`, async () => {
    const app = await electron.launch({
      executablePath: binary.path!,
      args: [join(REPO, 'out/main/index.js')],
      env: { ...process.env, POINTKEEPER_HOME: home, DATABASE_URL: '' },
    });
    try {
      const page = await app.firstWindow();
      const shell = new ShellPage(page);
      await expect(shell.transport).toContainText('electron');
      await expect(shell.role).toContainText('admin', { timeout: 60_000 });
      // The page has no Node: the preload exposed the contract and nothing else.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      const users = new UsersPage(page);
      await users.searchFor('1');
      await expect(users.rows.first()).toBeVisible();
    } finally {
      await app.close();
    }
  });
});
