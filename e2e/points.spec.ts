import { formatPoints, formatSignedPoints } from '../src/shared/format';
import { expect, test, type TestDatabase } from './fixtures';
import { PointsPage } from './pages/PointsPage';
import { UserViewPage } from './pages/UserViewPage';

async function balanceOf(db: TestDatabase, userId: number): Promise<number> {
  const r = await db.call('users.get', { userId });
  if (!r.ok) throw new Error(r.error.message);
  return r.data.points ?? 0;
}

async function newestTransaction(db: TestDatabase, userId: number): Promise<number> {
  const r = await db.call('points.history', { userId, limit: 1 });
  if (!r.ok || !r.data.items[0]) throw new Error('no history');
  return r.data.items[0].id;
}

test('earns, redeems and reverses on the user screen, and the balance follows', async ({
  page,
  database,
}) => {
  const userId = 1;
  const start = await balanceOf(database, userId);
  const view = new UserViewPage(page);
  const points = new PointsPage(page);
  await page.goto(`/#/users/${userId}`);
  await expect(view.balance).toHaveText(formatPoints(start));

  await points.earn(120, 'E2E order bonus');
  await expect(
    points.toast(`${formatSignedPoints(120)} for user ${userId}. New balance ${formatPoints(start + 120)}.`),
  ).toBeVisible();
  await expect(view.balance).toHaveText(formatPoints(start + 120));

  await points.redeem(20, 'E2E free delivery');
  await expect(
    points.toast(`${formatSignedPoints(-20)} for user ${userId}. New balance ${formatPoints(start + 100)}.`),
  ).toBeVisible();
  await expect(view.balance).toHaveText(formatPoints(start + 100));

  const redeemed = await newestTransaction(database, userId);
  await expect(page.getByTestId(`tx-${redeemed}`)).toContainText('E2E free delivery');
  await points.reverse(redeemed, 'customer asked to undo');
  await expect(view.balance).toHaveText(formatPoints(start + 120));
  await expect(page.getByTestId(`tx-${redeemed}`)).toContainText(/reversed by #\d+/);
  expect(await balanceOf(database, userId)).toBe(start + 120);
});

test('refuses bad input as it is typed, and writes nothing', async ({ page, database }) => {
  const userId = 2;
  const start = await balanceOf(database, userId);
  const points = new PointsPage(page);
  await page.goto(`/#/users/${userId}`);
  await points.earnForm.getByLabel('Points', { exact: true }).fill('20000');
  await expect(points.earnForm.getByText('at most 10,000 points per transaction')).toBeVisible();
  await points.earnForm.getByRole('button', { name: 'Earn…' }).click();
  await expect(points.dialog).toHaveCount(0);
  await points.showRedeem();
  await points.redeemForm.getByLabel('Points', { exact: true }).fill(String(start + 1));
  await expect(points.redeemForm.getByText(`short by 1`, { exact: false })).toBeVisible();
  expect(await balanceOf(database, userId)).toBe(start);
});
