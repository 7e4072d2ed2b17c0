import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { BackupsPage } from './pages/BackupsPage';

/**
 * The README's screenshots, light and dark, taken from the real screens so they stay current:
 * `UPDATE_SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts` writes docs/screenshots;
 * otherwise they go to test-results (the spec still proves every screen renders in both themes).
 */
const OUT = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '../docs/screenshots')
  : resolve(import.meta.dirname, '../test-results/screenshots');

test.use({ viewport: { width: 1280, height: 800 } });
test.describe.configure({ timeout: 150_000 });

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(OUT, { recursive: true });
  // The caret and hover states are not part of the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(OUT, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

for (const theme of ['light', 'dark'] as const) {
  test(`screenshots of every screen, ${theme}`, async ({ page, database }) => {
    await page.emulateMedia({ colorScheme: theme });
    const demo = await database.call('demo.generate', { users: 30, transactions: 300, discrepancies: 5 });
    if (!demo.ok) throw new Error(demo.error.message);
    const broken = demo.data.discrepancies.find((d) => d.kind === 'balance_mismatch')!.userId;

    await page.goto('/#/users?q=a');
    await expect(
      page.getByRole('grid', { name: 'Matching users' }).locator('[aria-selected]').first(),
    ).toBeVisible();
    await shoot(page, `users-${theme}`);

    await page.goto(`/#/users/${broken}`);
    await expect(page.getByTestId('integrity-warning')).toBeVisible();
    await expect(page.getByRole('grid', { name: 'Transactions' }).getByRole('row').nth(1)).toBeVisible();
    await shoot(page, `user-${theme}`);

    await page.goto('/#/audit');
    await page.getByRole('button', { name: 'Scan every user' }).click();
    await expect(page.getByRole('figure', { name: 'Discrepancies by kind' })).toBeVisible();
    await page.locator('.audit-chart').evaluate((e) => (e as { scrollIntoView(): void }).scrollIntoView());
    await shoot(page, `audit-${theme}`);

    await page.goto(`/#/recovery?users=${demo.data.discrepancies.map((d) => d.userId).join(',')}`);
    await page
      .getByRole('form', { name: 'What to recover' })
      .getByRole('button', { name: 'Preview' })
      .click();
    await expect(page.getByRole('table', { name: 'Planned changes' })).toBeVisible();
    await shoot(page, `recovery-${theme}`);

    const dir = await mkdtemp(join(tmpdir(), 'pk-shots-'));
    try {
      const file = join(dir, 'all.ndjson.gz');
      // The users the demo left clean: a backup whose copies disagree with its log is refused.
      const damaged = new Set(demo.data.discrepancies.map((d) => d.userId));
      const clean = Array.from({ length: 30 }, (_, i) => i + 1).filter((id) => !damaged.has(id));
      await database.exportBackup(file, { userIds: clean }, `shot-${theme}`);
      await page.goto('/#/backups');
      const importCard = page.getByRole('region', { name: 'Import' });
      await database.dialogs.answer('openFile', file);
      await importCard.getByRole('button', { name: 'Choose…' }).click();
      await importCard.getByRole('button', { name: 'Preview' }).click();
      await new BackupsPage(page).previewShown();
      await shoot(page, `backups-${theme}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    await page.goto('/#/operations');
    const grid = page.getByRole('grid', { name: 'Operations' });
    await grid.getByRole('row').nth(1).click();
    await expect(page.getByRole('region', { name: /^Operation \d+$/ })).toBeVisible();
    await shoot(page, `operations-${theme}`);
  });
}
