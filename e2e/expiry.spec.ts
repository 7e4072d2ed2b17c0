import { formatCount, formatPoints } from '../src/shared/format';
import { expectAccessible } from './support/axe';
import { expect, test } from './fixtures';

test.describe.configure({ timeout: 150_000 });

/**
 * Issue 21 on screen: the user page's expiring-soon panel and lots, then the Expiry screen's
 * preview → confirm → apply. The seeded demo has policies in force since before its history,
 * so some of its lots are past their date.
 */
test('shows what expires soon on the user page, previews the expiry run, applies it after confirming', async ({
  page,
  database,
}) => {
  const preview = await database.call('expiry.preview', {});
  if (!preview.ok) throw new Error(preview.error.message);
  expect(preview.data.lots).toBeGreaterThan(0);
  const due = preview.data.sample[0]!;
  const lots = await database.call('expiry.user', { userId: due.userId });
  if (!lots.ok) throw new Error(lots.error.message);
  const { expiring } = lots.data;
  expect(expiring.overdue).toBeGreaterThan(0);

  await page.goto(`/#/users/${due.userId}`);
  const panel = page.getByRole('region', { name: 'Expiring points and lots' });
  await expect(panel.getByTestId('expiring-30')).toHaveText(formatPoints(expiring.days30));
  await expect(panel.getByTestId('expiring-60')).toHaveText(formatPoints(expiring.days60));
  await expect(panel.getByTestId('expiring-90')).toHaveText(formatPoints(expiring.days90));
  await expect(panel.getByTestId('expiring-overdue')).toHaveText(formatPoints(expiring.overdue));
  await expect(panel.getByTestId(`lot-${due.lotId}`)).toContainText('Open');
  await expect(panel.getByTestId(`lot-${due.lotId}`)).toContainText(formatPoints(due.points));
  await expectAccessible(page, 'the user page with its lots');

  await page.goto('/#/expiry');
  const run = page.getByRole('region', { name: 'Expire points' });
  await run.getByRole('button', { name: 'Preview' }).click();
  await expect(run.getByTestId('preview-lots')).toHaveText(formatCount(preview.data.lots));
  await expect(run.getByTestId('preview-points')).toHaveText(formatPoints(preview.data.points));
  // Nothing is written by a preview.
  const still = await database.call('expiry.preview', {});
  expect(still.ok && still.data.lots).toBe(preview.data.lots);

  await run.getByRole('button', { name: `Expire ${formatCount(preview.data.lots)} lots…` }).click();
  const dialog = page.getByRole('dialog', { name: 'Expire points' });
  await expect(dialog).toContainText(formatPoints(preview.data.points));
  await expectAccessible(page, 'the Expiry screen with a preview and the confirmation');
  await dialog.getByRole('button', { name: `Expire ${formatCount(preview.data.lots)} lots` }).click();
  await expect(run.getByTestId('expiry-result')).toContainText(
    `Expired ${formatCount(preview.data.lots)} lots of ${formatCount(preview.data.users)} users`,
  );
  const after = await database.call('expiry.preview', {});
  expect(after.ok && after.data.lots).toBe(0);
  const verify = await database.call('verify.ledger', {});
  expect(verify.ok && verify.data.ok).toBe(true);

  await page.goto(`/#/users/${due.userId}`);
  await expect(panel.getByTestId('expiring-overdue')).toHaveText(formatPoints(0));
  await expect(panel.getByTestId(`lot-${due.lotId}`)).toContainText('Expired');
});
