import { ConnectPage } from './pages/ConnectPage';
import { ShellPage } from './pages/ShellPage';
import { expect, test } from './fixtures';

test('adds a profile, tests it (a wrong port, a wrong password, then right), connects and shows the role', async ({
  page,
  database,
}) => {
  const operator = await database.createLogin('operator');
  const connect = new ConnectPage(page);
  const shell = new ShellPage(page);
  await connect.open();
  await connect.fillProfile('Finance', operator);
  // TLS below verify-full (the test cluster has none) is warned about in the form.
  await expect(connect.tlsWarning).toContainText('TLS is off');
  await connect.field('tls').selectOption('verify-full');
  await expect(connect.tlsWarning).toHaveCount(0);
  await connect.field('tls').selectOption('disable');

  await connect.field('port').fill('1');
  await connect.test();
  await expect(connect.testResult).toContainText(
    `Cannot reach PostgreSQL at ${operator.host}:1 (ECONNREFUSED)`,
  );

  await connect.field('port').fill(String(operator.port));
  await connect.field('password').fill('not-the-password');
  await connect.test();
  await expect(connect.testResult).toContainText(`refused the login ${operator.login}: wrong password`);

  await connect.field('password').fill(operator.password);
  await connect.test();
  await expect(connect.testResult).toContainText(`Connected as ${operator.login} (operator)`);

  await connect.form.getByLabel(/Remember the password/).check();
  await connect.save();
  await expect(connect.profile('Finance')).toContainText('Password in keychain');
  await expect(connect.profile('Finance')).toContainText(
    `${operator.login}@${operator.host}:${operator.port}`,
  );
  const file = await database.profilesFile();
  expect(file).toContain(operator.login);
  expect(file).not.toContain(operator.password);

  await connect.connect('Finance');
  await expect(page).toHaveURL(/#\/users/);
  await expect(shell.login).toContainText(operator.login);
  await expect(shell.role).toContainText('operator');
  // …and in the status bar while connected that way.
  await expect(page.getByTestId('status-tls-warning')).toHaveText('TLS off');
});

test('a new profile checks the certificate by default', async ({ page }) => {
  const connect = new ConnectPage(page);
  await connect.open();
  await connect.screen.getByRole('button', { name: 'Add profile' }).click();
  await expect(connect.field('tls')).toHaveValue('verify-full');
  await expect(connect.tlsWarning).toHaveCount(0);
});

test.describe('without a keychain', () => {
  test.use({ keychain: false });

  test('says so, cannot remember, and asks for the password at each connect', async ({ page, database }) => {
    const auditor = await database.createLogin('auditor');
    const connect = new ConnectPage(page);
    const shell = new ShellPage(page);
    await connect.open();
    await expect(connect.keychainNotice).toContainText('No OS keychain is available');
    await expect(connect.keychainNotice).toContainText('ask for the password each time');
    await connect.fillProfile('Audit', auditor);
    await expect(connect.form.getByLabel(/Remember the password/)).toBeDisabled();
    await connect.save();
    await expect(connect.profile('Audit')).not.toContainText('Password in keychain');

    await connect.connect('Audit');
    await connect.typePassword('Audit', 'wrong-password');
    await expect(connect.profile('Audit').getByRole('alert')).toContainText('wrong password');
    await connect.typePassword('Audit', auditor.password);
    await expect(shell.role).toContainText('auditor');
    expect(await database.profilesFile()).not.toContain(auditor.password);
  });
});

test('locks after the idle time and asks for the password to unlock', async ({ page, database }) => {
  const operator = await database.createLogin('operator');
  await page.clock.install();
  const connect = new ConnectPage(page);
  const shell = new ShellPage(page);
  await connect.open();
  await connect.fillProfile('Support', operator);
  await connect.form.getByLabel(/Remember the password/).check();
  await connect.save();
  await page.getByRole('form', { name: 'Idle lock' }).locator('input').fill('1');
  await page.getByRole('form', { name: 'Idle lock' }).getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('form', { name: 'Idle lock' })).toContainText('Saved.');
  await connect.connect('Support');
  await expect(shell.role).toContainText('operator');

  // The lock is armed once the console's settings have reached the shell after connecting, which
  // a loaded host can delay past a single jump of the clock: keep the clock moving until it locks.
  await expect(async () => {
    await page.clock.fastForward('01:30');
    await expect(connect.message).toContainText('Locked after 1 minute(s) without activity.', {
      timeout: 2_000,
    });
  }).toPass({ timeout: 30_000 });
  await expect(connect.profile('Support')).toContainText('Locked');
  // The remembered password does not unlock it: a person must type it.
  await connect.connect('Support');
  await connect.typePassword('Support', operator.password);
  await expect(shell.role).toContainText('operator');
});

test('deletes a profile after confirmation', async ({ page, database }) => {
  const operator = await database.createLogin('operator');
  const connect = new ConnectPage(page);
  await connect.open();
  await connect.fillProfile('Temporary', operator);
  await connect.save();
  await connect.profile('Temporary').getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the profile Temporary?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(connect.profile('Temporary')).toBeVisible();
  await connect.profile('Temporary').getByRole('button', { name: 'Delete' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(connect.profile('Temporary')).toHaveCount(0);
  await expect(connect.profile('Local database (embedded)')).toBeVisible();
});
