import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';

/**
 * `npm run browse` as a newcomer runs it: the script starts the host in browse mode and prints
 * its URL; Chromium opens it with no test bridge of ours, sees the preview label and finds a user.
 */
const REPO = resolve(import.meta.dirname, '..');
let browse: ChildProcess | null = null;

test.afterEach(async () => {
  if (!browse || browse.exitCode !== null) return;
  const exited = new Promise((ok) => browse!.once('exit', ok));
  browse.kill('SIGTERM');
  await exited;
});

test('npm run browse serves the console to a plain browser, labelled as a preview', async ({ page }) => {
  test.setTimeout(240_000);
  // The renderer was built by test:e2e (vite build) before Playwright started.
  browse = spawn(
    process.execPath,
    ['scripts/browse.mjs', '--no-build', '--no-open', '--users', '50', '--transactions', '200'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  browse.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: browse!.stdout! }).once('line', ok);
    browse!.once('exit', (code) => fail(new Error(`browse exited (${code}):\n${stderr}`)));
  });
  expect(new URL(url).hostname).toBe('127.0.0.1');

  await page.goto(url);
  await expect(page.getByTestId('preview-banner')).toContainText('Preview of the Pointkeeper desktop app');
  await expect(page.getByTestId('status-transport')).toContainText('bridge');
  await page.getByRole('combobox', { name: 'Search users' }).fill('1');
  const rows = page.getByRole('grid', { name: 'Matching users' }).locator('[role="row"][aria-selected]');
  await expect(rows.first()).toBeVisible();
  await rows.first().click();
  await expect(page.getByTestId('user-balance')).toHaveText(/pts$/);
});
