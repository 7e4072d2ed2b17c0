import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { BackupsPage } from './pages/BackupsPage';

/**
 * Every screen's primary action is reachable with the mouse wheel alone at 1024×700 (issue 18:
 * Apply…, Restore… and the audit export were below the fold with no scrollbar). No keyboard, no
 * scrollIntoView, and no Playwright auto-scrolling: targets are clicked by coordinates once the
 * wheel has brought them into the window.
 */
const VIEWPORT = { width: 1024, height: 700 };
test.use({ viewport: VIEWPORT });

/** The main area's left padding: under the pointer there, the wheel scrolls the page, not a list. */
const WHEEL_AT = { x: 205, y: 400 };

async function wheelTo(page: Page, target: Locator): Promise<{ x: number; y: number }> {
  await expect(target).toBeAttached();
  await page.mouse.move(WHEEL_AT.x, WHEEL_AT.y);
  for (let i = 0; i < 60; i++) {
    const box = await target.boundingBox();
    // Above the status bar (≈ 24 px) and fully inside the window.
    if (box && box.y >= 0 && box.y + box.height <= VIEWPORT.height - 28) {
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    }
    const down = !box || box.y > 0;
    await page.mouse.wheel(0, down ? 200 : -200);
    await page.waitForTimeout(30);
  }
  throw new Error('the wheel could not bring the target into the window');
}

async function wheelClick(page: Page, target: Locator): Promise<void> {
  const at = await wheelTo(page, target);
  await page.mouse.click(at.x, at.y);
}

test('Users: a user page’s earn button, below the balance and the history', async ({ page }) => {
  await page.goto('/#/users/1');
  await expect(page.getByTestId('user-balance')).toBeVisible();
  await wheelTo(page, page.getByRole('button', { name: 'Earn…' }));
  await wheelTo(page, page.getByRole('region', { name: 'Redemptions' }));
});

test('Audit: scan, then the discrepancy report’s export', async ({ page, database }) => {
  const demo = await database.call('demo.generate', { users: 20, transactions: 100, discrepancies: 3 });
  expect(demo.ok).toBe(true);
  await page.goto('/#/audit');
  await wheelClick(page, page.getByRole('button', { name: 'Scan every user' }));
  const exportForm = page.getByRole('form', { name: 'Export the discrepancy report' });
  await wheelTo(page, exportForm.getByRole('button', { name: /^Export (PDF|CSV)$/ }));
});

test('Recovery: preview, then Apply…', async ({ page, database }) => {
  const demo = await database.call('demo.generate', { users: 40, transactions: 200, discrepancies: 12 });
  if (!demo.ok) throw new Error(demo.error.message);
  const ids = demo.data.discrepancies.map((d) => d.userId);
  await page.goto(`/#/recovery?users=${ids.join(',')}`);
  await wheelClick(
    page,
    page.getByRole('form', { name: 'What to recover' }).getByRole('button', { name: 'Preview' }),
  );
  await expect(page.getByRole('table', { name: 'Planned changes' })).toBeVisible();
  await wheelClick(page, page.getByRole('button', { name: 'Apply…' }));
  await expect(page.locator('dialog[open]')).toBeVisible();
});

test('Backups: export, then Restore… after a preview', async ({ page, database }) => {
  test.setTimeout(150_000); // the preview may take a minute on a loaded host; it is followed, not timed
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-layout-'));
  try {
    const file = join(dir, 'all.ndjson.gz');
    await database.exportBackup(file, 'full', 'layout-export');
    await page.goto('/#/backups');
    await wheelTo(
      page,
      page.getByRole('form', { name: 'Export a backup' }).getByRole('button', { name: 'Export' }),
    );
    const importCard = page.getByRole('region', { name: 'Import' });
    await database.dialogs.answer('openFile', file);
    await wheelClick(page, importCard.getByRole('button', { name: 'Choose…' }));
    await expect(importCard.getByLabel('Backup file')).toHaveValue(file);
    await wheelClick(page, importCard.getByRole('button', { name: 'Preview' }));
    await new BackupsPage(page).previewShown();
    await wheelClick(page, page.getByRole('button', { name: 'Restore…' }));
    await expect(page.locator('dialog[open]')).toBeVisible();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Operations log: the export of the filtered view, below the log', async ({ page }) => {
  await page.goto('/#/operations');
  await expect(page.getByRole('grid', { name: 'Operations' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Export the operations log as filtered' });
  await wheelTo(page, form.getByRole('button', { name: /^Export (PDF|CSV)$/ }));
});
