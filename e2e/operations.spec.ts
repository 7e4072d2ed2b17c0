import { expect, test } from './fixtures';

test('lists writes and refusals newest first, filters them, and shows one in full', async ({
  page,
  database,
}) => {
  const earned = await database.call('points.earn', {
    userId: 3,
    points: 42,
    description: 'E2E operations log entry',
  });
  expect(earned.ok).toBe(true);
  const refused = await database.call('points.redeem', {
    userId: 3,
    points: 10_000,
    description: 'E2E far too much',
  });
  expect(refused.ok).toBe(false);

  await page.goto('/#/operations');
  const grid = page.getByRole('grid', { name: 'Operations' });
  const rows = grid.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });
  await expect(rows.first()).toContainText('points.redeem');
  await expect(rows.first()).toContainText('INSUFFICIENT_POINTS');
  await expect(rows.nth(1)).toContainText('points.earn');

  await page.getByLabel('Outcome').selectOption('ok');
  await expect(page).toHaveURL(/outcome=ok/);
  await expect(grid.getByText('INSUFFICIENT_POINTS')).toHaveCount(0);
  await rows.filter({ hasText: 'points.earn' }).first().click();
  const detail = page.getByRole('region', { name: /^Operation \d+$/ });
  await expect(detail).toContainText('E2E operations log entry');
  await expect(detail).toContainText('"pointsEarned": 42');
});

test('the log is one Tab stop; arrow keys move through it and select', async ({ page, database }) => {
  for (const points of [5, 6, 7]) {
    const r = await database.call('points.earn', { userId: 4, points, description: `E2E arrows ${points}` });
    expect(r.ok).toBe(true);
  }
  await page.goto('/#/operations');
  const grid = page.getByRole('grid', { name: 'Operations' });
  const rows = grid.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });
  await expect(rows).not.toHaveCount(0);
  // Only one row takes part in the Tab order (roving tabindex).
  await expect(grid.locator('[role="row"][tabindex="0"]')).toHaveCount(1);
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  const detail = page.getByRole('region', { name: /^Operation \d+$/ });
  await expect(detail).toContainText('E2E arrows 6');
  await page.keyboard.press('ArrowUp');
  await expect(rows.first()).toBeFocused();
  await expect(detail).toContainText('E2E arrows 7');
  await expect(grid.locator('[role="row"][tabindex="0"]')).toHaveCount(1);
});
