import { formatPoints } from '../src/shared/format';
import type { Page, UserDetail, UserSummary } from '../src/shared/contract';
import type { Result } from '../src/shared/result';
import { expect, test, type TestDatabase } from './fixtures';
import { ShellPage } from './pages/ShellPage';
import { UsersPage } from './pages/UsersPage';
import { UserViewPage } from './pages/UserViewPage';

/** Every user a query matches, paged through the bridge. */
async function allMatches(db: TestDatabase, query: string): Promise<UserSummary[]> {
  const users: UserSummary[] = [];
  let cursor: string | null = null;
  do {
    const result: Result<Page<UserSummary>> = await db.call('users.search', { query, cursor, limit: 500 });
    if (!result.ok) throw new Error(result.error.message);
    users.push(...result.data.items);
    cursor = result.data.nextCursor;
  } while (cursor !== null);
  return users;
}

/** A user of the seeded data and a name prefix that finds them: first name plus one letter. */
async function pickUser(db: TestDatabase): Promise<{ user: UserDetail; prefix: string }> {
  const found = await db.call('users.get', { userId: 1 });
  if (!found.ok) throw new Error(found.error.message);
  const user = found.data;
  return { user, prefix: user.name.slice(0, user.name.indexOf(' ') + 2) };
}

test('searches a user by name prefix and opens them with the keyboard', async ({ page, database }) => {
  const { user, prefix } = await pickUser(database);
  const expected = await database.call('users.search', { query: prefix, limit: 100 });
  if (!expected.ok) throw new Error(expected.error.message);
  const position = expected.data.items.findIndex((u) => u.id === user.id);
  expect(position).toBeGreaterThanOrEqual(0);

  const shell = new ShellPage(page);
  const users = new UsersPage(page);
  await shell.open();
  await users.searchFor(prefix);
  await expect(users.row(user.id)).toBeVisible();
  if (expected.data.nextCursor === null) await expect(users.rows).toHaveCount(expected.data.items.length);

  for (let i = 0; i < position; i++) await users.search.press('ArrowDown');
  await expect(users.highlighted()).toContainText(user.email);
  await users.search.press('Enter');

  const view = new UserViewPage(page);
  await expect(view.name).toHaveText(user.name);
  await expect(view.balance).toHaveText(user.points === null ? '—' : formatPoints(user.points));
  await expect(view.transactionCount).toHaveText(user.transactionCount.toLocaleString('en-US'));

  await page.keyboard.press('Escape');
  await expect(users.search).toHaveValue(prefix);
  await expect(users.row(user.id)).toBeVisible();
});

test('the status bar says who the console is connected as', async ({ page, database }) => {
  const whoami = await database.call('session.whoami', {});
  if (!whoami.ok) throw new Error(whoami.error.message);
  const shell = new ShellPage(page);
  await shell.open();
  await expect(shell.connection).toHaveText('Connected');
  await expect(shell.login).toContainText(whoami.data.login);
  await expect(shell.role).toContainText(whoami.data.role ?? 'none');
  await expect(shell.database).toContainText(whoami.data.database);
  await expect(shell.transport).toContainText('bridge');
});

test.describe('on an empty database', () => {
  test.use({ seeded: false });

  test('an admin can generate demo data and then find users', async ({ page, database }) => {
    const users = new UsersPage(page);
    await new ShellPage(page).open();
    await expect(users.demoOffer).toBeVisible();
    await users.generateDemo.click();
    await expect(users.demoOffer).toBeHidden({ timeout: 60_000 });

    const status = await database.call('demo.status', {});
    expect(status.ok && status.data.empty).toBe(false);
    await users.searchFor('1');
    await expect(users.row(1)).toBeVisible();
  });

  test('loads further pages of results as the list scrolls', async ({ page, database }) => {
    const generated = await database.call('demo.generate', { users: 3000, transactions: 3000 });
    expect(generated.ok).toBe(true);
    const all = await allMatches(database, 'a');
    expect(all.length).toBeGreaterThan(200); // at least three of the screen's 100-row pages

    const users = new UsersPage(page);
    await new ShellPage(page).open();
    await users.searchFor('a');
    await expect(users.summary).toHaveText(/^\d+\+ matches$/); // one page, more to come
    // Each scroll to the end brings the next page, until the count is the database's.
    const last = all.at(-1)!;
    await expect(async () => {
      await users.scrollToEnd();
      await expect(users.summary).toHaveText(`${all.length.toLocaleString('en-US')} matches`, {
        timeout: 500,
      });
      await expect(users.row(last.id)).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 20_000 });
  });
});
