import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { expect, test, type TestDatabase } from './fixtures';
import { BackupsPage } from './pages/BackupsPage';

/**
 * axe-core on every screen and dialog state, in the light and the dark theme: no serious or
 * critical violation of WCAG 2.1 A/AA (issue 18 found contrast failures on every screen,
 * unfocusable scroll regions and empty table headers).
 */
const THEMES = ['light', 'dark'] as const;

// axe takes seconds per state on a busy machine; each test checks several states.
test.describe.configure({ timeout: 150_000 });

async function useTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  // The OS preference, as a person's system would set it; the app follows it by default.
  await page.emulateMedia({ colorScheme: theme });
}

async function seedDiscrepancies(db: TestDatabase) {
  const demo = await db.call('demo.generate', { users: 20, transactions: 100, discrepancies: 4 });
  if (!demo.ok) throw new Error(demo.error.message);
  return demo.data;
}

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test.beforeEach(async ({ page }) => useTheme(page, theme));

    test('Users: search, a user, the earn confirmation, the reverse dialog', async ({ page }) => {
      await page.goto('/#/users?q=a');
      await expect(
        page.getByRole('grid', { name: 'Matching users' }).locator('[aria-selected]').first(),
      ).toBeVisible();
      await expectAccessible(page, `${theme} users search`);

      await page.goto('/#/users/1');
      await expect(page.getByRole('grid', { name: 'Transactions' }).getByRole('row').nth(1)).toBeVisible();
      await expectAccessible(page, `${theme} user page`);

      const earn = page.getByRole('form', { name: 'Earn points' });
      await earn.getByLabel('Points', { exact: true }).fill('20000');
      await earn.getByLabel('Description', { exact: true }).fill('axe');
      await expectAccessible(page, `${theme} earn form with an error`);
      await earn.getByLabel('Points', { exact: true }).fill('5');
      await earn.getByRole('button', { name: 'Earn…' }).click();
      await expect(page.locator('dialog[open]')).toBeVisible();
      await expectAccessible(page, `${theme} earn confirmation`);
      await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();

      await page.getByRole('tab', { name: 'Redeem' }).click();
      await expectAccessible(page, `${theme} redeem form`);

      await page.getByRole('button', { name: 'Reverse…' }).first().click();
      await expect(page.locator('dialog[open]')).toBeVisible();
      await expectAccessible(page, `${theme} reverse dialog`);
    });

    test('Users: a user whose copies disagree with the log, and toasts', async ({ page, database }) => {
      const demo = await seedDiscrepancies(database);
      const broken = demo.discrepancies.find((d) => d.kind === 'balance_mismatch')!;
      await page.goto(`/#/users/${broken.userId}`);
      await expect(page.getByTestId('integrity-warning')).toBeVisible();
      await expectAccessible(page, `${theme} integrity warning`);
      const earn = page.getByRole('form', { name: 'Earn points' });
      await earn.getByLabel('Points', { exact: true }).fill('5');
      await earn.getByLabel('Description', { exact: true }).fill('axe toast');
      await earn.getByRole('button', { name: 'Earn…' }).click();
      await page.locator('dialog[open]').getByRole('button', { name: 'Earn 5 points' }).click();
      await expect(page.getByTestId('toast')).toBeVisible();
      await expectAccessible(page, `${theme} success toast`);
    });

    test('Audit: one user, a scan with its chart, findings and stale notice', async ({ page, database }) => {
      const demo = await seedDiscrepancies(database);
      await page.goto(`/#/audit?user=${demo.discrepancies[0]!.userId}`);
      await expect(page.getByLabel('Integrity')).toBeVisible();
      await expectAccessible(page, `${theme} user audit`);
      await page.getByRole('button', { name: 'Scan every user' }).click();
      await expect(page.getByRole('table', { name: 'Scan findings' })).toBeVisible();
      await expect(page.getByRole('figure', { name: 'Discrepancies by kind' })).toBeVisible();
      await expectAccessible(page, `${theme} scan results`);
      const earned = await database.call('points.earn', {
        userId: 1,
        points: 1,
        description: 'after the scan',
      });
      expect(earned.ok).toBe(true);
      await page.reload();
      await expect(page.getByTestId('scan-stale')).toBeVisible();
      await expectAccessible(page, `${theme} stale scan`);
    });

    test('Recovery: the form, a preview, the apply dialog, the result', async ({ page, database }) => {
      const demo = await seedDiscrepancies(database);
      await page.goto(`/#/recovery?users=${demo.discrepancies.map((d) => d.userId).join(',')}`);
      await expectAccessible(page, `${theme} recovery form`);
      await page
        .getByRole('form', { name: 'What to recover' })
        .getByRole('button', { name: 'Preview' })
        .click();
      await expect(page.getByRole('table', { name: 'Planned changes' })).toBeVisible();
      await expectAccessible(page, `${theme} recovery preview`);
      await page.getByRole('button', { name: 'Apply…' }).click();
      await expect(page.locator('dialog[open]')).toBeVisible();
      await expectAccessible(page, `${theme} apply dialog`);
    });

    test('Backups: export, import preview, restore dialog and result', async ({ page, database }) => {
      const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-axe-'));
      try {
        const file = join(dir, 'all.ndjson.gz');
        await database.exportBackup(file, 'full', `axe-${theme}`);
        await page.goto('/#/backups');
        await expect(page.getByRole('table', { name: 'Backup history' })).toBeVisible();
        await expectAccessible(page, `${theme} backups`);
        const importCard = page.getByRole('region', { name: 'Import' });
        await database.dialogs.answer('openFile', file);
        await importCard.getByRole('button', { name: 'Choose…' }).click();
        await importCard.getByRole('button', { name: 'Preview' }).click();
        await new BackupsPage(page).previewShown();
        await expectAccessible(page, `${theme} restore preview`);
        await page.getByRole('button', { name: 'Restore…' }).click();
        await expectAccessible(page, `${theme} restore dialog`);
        await page.locator('dialog[open]').getByLabel('Type merge to confirm').fill('merge');
        await page.locator('dialog[open]').getByRole('button', { name: 'Restore' }).click();
        await expect(page.getByTestId('restore-result')).toBeVisible();
        await expectAccessible(page, `${theme} restore result`);
        await importCard.getByLabel('Backup file').fill(join(dir, 'missing.ndjson.gz'));
        await importCard.getByRole('button', { name: 'Preview' }).click();
        await expect(importCard.getByRole('alert').first()).toBeVisible();
        await expectAccessible(page, `${theme} restore error`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('Operations log: the list and one entry in full', async ({ page, database }) => {
      await database.call('points.redeem', { userId: 3, points: 10_000, description: 'refused' });
      await page.goto('/#/operations');
      const grid = page.getByRole('grid', { name: 'Operations' });
      await expect(grid.getByRole('row').nth(1)).toBeVisible();
      await expectAccessible(page, `${theme} operations`);
      await grid.getByRole('row').nth(1).click();
      await expect(page.getByRole('region', { name: /^Operation \d+$/ })).toBeVisible();
      await expectAccessible(page, `${theme} operation detail`);
    });

    test('Approvals: my requests with a preview, the withdraw dialog, a policy being edited', async ({
      page,
      database,
    }) => {
      await database.call('policies.set', { kind: 'earn', enabled: true, pointsAbove: 5000, reason: 'axe' });
      await database.call('points.earn', { userId: 3, points: 9000, description: 'axe request' });
      await page.goto('/#/approvals?view=mine');
      const row = page.getByTestId('approval-row').first();
      await expect(row.getByTestId('approval-state')).toContainText('Pending');
      await row.getByText(/to user #3/).click();
      await expectAccessible(page, `${theme} approvals`);
      await row.getByRole('button', { name: 'Withdraw…' }).click();
      await expectAccessible(page, `${theme} approvals withdraw dialog`);
      await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
      await page.getByTestId('policy-row').first().getByRole('button', { name: 'Edit' }).click();
      await expectAccessible(page, `${theme} approval policy form`);
    });

    test('Connections: the profiles and the profile form', async ({ page }) => {
      await page.goto('/#/connect');
      await expect(page.getByRole('region', { name: 'Connections' })).toBeVisible();
      await expectAccessible(page, `${theme} connections`);
      await page.getByRole('button', { name: 'Add profile' }).click();
      await expectAccessible(page, `${theme} profile form`);
    });
  });
}
