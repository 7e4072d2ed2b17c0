import type { Browser, Page } from '@playwright/test';
import { CALL_NAMES } from '../src/shared/contract';
import { formatPoints } from '../src/shared/format';
import { installBridge } from './bridge';
import { expect, test, type TestDatabase } from './fixtures';
import type { TestLogin } from './host/databases';
import { ConnectPage } from './pages/ConnectPage';
import { PointsPage } from './pages/PointsPage';
import { ShellPage } from './pages/ShellPage';
import { UserViewPage } from './pages/UserViewPage';

/** Connects a page's console as a login, through the Connect screen as a person would. */
async function connectAs(page: Page, login: TestLogin, profile: string): Promise<void> {
  const connect = new ConnectPage(page);
  await connect.open();
  await connect.fillProfile(profile, login);
  await connect.form.getByLabel(/Remember the password/).check();
  await connect.save();
  await connect.connect(profile);
  await expect(new ShellPage(page).login).toContainText(login.login);
}

/** A second person's window: a browser context of its own on a console of its own. */
async function secondWindow(browser: Browser, database: TestDatabase, token: string, baseURL: string) {
  const { rpcBase } = await database.seat();
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.addInitScript(installBridge, { rpcBase, callNames: CALL_NAMES, token });
  return { context, page };
}

test('maker-checker: the operator asks for 9,000 points, cannot approve it; the admin approves; the balance moves once', async ({
  page,
  database,
  browser,
  host,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const userId = 1;
  const set = await database.call('policies.set', {
    kind: 'earn',
    enabled: true,
    pointsAbove: 5000,
    reason: 'four eyes above 5,000',
  });
  expect(set.ok).toBe(true);
  const balance = async () => {
    const r = await database.call('users.get', { userId });
    if (!r.ok) throw new Error(r.error.message);
    return r.data.points ?? 0;
  };
  const start = await balance();
  const operator = await database.createLogin('operator');
  const admin = await database.createLogin('admin');

  // The operator, in the first window, asks for a credit above the policy.
  await connectAs(page, operator, 'Operator');
  await page.goto(`/#/users/${userId}`);
  const points = new PointsPage(page);
  await points.earn(9000, 'Goodwill after the outage');
  await expect(page.getByText(/Request created, waiting for approval/)).toBeVisible();
  await expect(new UserViewPage(page).balance).toHaveText(formatPoints(start));

  // They see it pending under "My requests", and nothing lets them approve it.
  await page.goto('/#/approvals?view=mine');
  const mine = page.getByTestId('approval-row').filter({ hasText: 'Goodwill after the outage' });
  await expect(mine.getByTestId('approval-state')).toContainText('Pending');
  await expect(mine.getByRole('button', { name: 'Approve…' })).toHaveCount(0);
  await expect(mine.getByTestId('approval-own')).toContainText('Another login must approve');
  const requestId = await mine.getAttribute('data-request-id');
  expect(requestId).toBeTruthy();
  await page.goto('/#/approvals');
  await expect(page.getByRole('tab', { name: 'Waiting for me' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('approval-row')).toHaveCount(0);
  // Nor through the bridge behind the screen's back (this console is the operator's): the database refuses.
  const own = await database.call('approvals.approve', { id: requestId!, reason: 'my own' });
  expect(own).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await page.goto('/#/approvals?view=mine');

  // The admin, in a second browser context, sees it waiting (with a badge) and approves it.
  const second = await secondWindow(browser, database, host.token, baseURL!);
  try {
    const adminPage = second.page;
    await connectAs(adminPage, admin, 'Admin');
    await expect(adminPage.getByTestId('sidebar-approvals-count')).toHaveText(/1/);
    await expect(adminPage.getByTestId('status-approvals-count')).toHaveText(/1/);
    await adminPage.goto('/#/approvals');
    const waiting = adminPage.getByTestId('approval-row').filter({ hasText: 'Goodwill after the outage' });
    await waiting.getByText(/to user #1/).click();
    await expect(waiting.getByLabel('Preview')).toContainText('"points": 9000');
    await waiting.getByRole('button', { name: 'Approve…' }).click();
    const dialog = adminPage.locator('dialog[open]');
    await dialog.getByLabel('Reason').fill('Outage credit confirmed');
    await dialog.getByRole('button', { name: 'Approve request' }).click();
    await expect(adminPage.getByText(/Approved and applied/)).toBeVisible();
    await expect(adminPage.getByTestId('sidebar-approvals-count')).toHaveCount(0);
  } finally {
    await second.context.close();
  }

  // The operator's screen follows live; the balance moved exactly once.
  await expect(mine.getByTestId('approval-state')).toContainText('Approved & applied');
  expect(await balance()).toBe(start + 9000);
  const history = await database.call('points.history', { userId, limit: 5 });
  if (!history.ok) throw new Error(history.error.message);
  expect(history.data.items.filter((t) => t.points === 9000)).toHaveLength(1);

  // The log shows both: the operator's request and the admin's approval (and the earn it made).
  const log = await database.call('operations.list', { actionPrefix: 'approvals.', limit: 10 });
  if (!log.ok) throw new Error(log.error.message);
  const entries = log.data.items.map((e) => `${e.action} ${e.actor}`);
  expect(entries).toContain(`approvals.request ${operator.login}`);
  expect(entries).toContain(`approvals.approve ${admin.login}`);
  const earns = await database.call('operations.list', {
    actionPrefix: 'points.earn',
    outcome: 'ok',
    limit: 5,
  });
  expect(earns.ok && earns.data.items[0]).toMatchObject({
    actor: admin.login,
    result: { pointsEarned: 9000 },
  });
});
