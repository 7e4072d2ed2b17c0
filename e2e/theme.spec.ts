import { expect, test } from './fixtures';
import { cssOf } from './support/css';

test('follows the OS theme, and a choice in the status bar overrides it and is remembered', async ({
  page,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/#/users');
  const body = page.locator('body');
  const dark = await cssOf(body, 'backgroundColor');
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await cssOf(body, 'backgroundColor');
  expect(dark).not.toBe(light);

  await page.getByTestId('theme-select').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await cssOf(body, 'backgroundColor')).toBe(dark);
  await page.reload();
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');
  expect(await cssOf(body, 'backgroundColor')).toBe(dark);

  await page.getByTestId('theme-select').selectOption('system');
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
  expect(await cssOf(body, 'backgroundColor')).toBe(light);
});
