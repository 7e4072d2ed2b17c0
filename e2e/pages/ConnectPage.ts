import type { Locator, Page } from '@playwright/test';
import type { TestLogin } from '../host/databases';

/** The Connect screen: profiles, the profile form, the password prompt, the idle lock. */
export class ConnectPage {
  readonly screen: Locator;
  readonly form: Locator;
  readonly testResult: Locator;
  readonly message: Locator;
  readonly keychainNotice: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByRole('region', { name: 'Connections' });
    this.form = page.locator('form.profile-form');
    this.testResult = page.getByTestId('profile-test-result');
    this.message = page.getByTestId('connection-message');
    this.keychainNotice = page.getByTestId('keychain-notice');
  }

  async open(): Promise<void> {
    await this.page.goto('/#/connect');
  }

  field(name: string): Locator {
    return this.form.locator(`[name="${name}"]`);
  }

  async fillProfile(name: string, login: TestLogin, password = login.password): Promise<void> {
    await this.screen.getByRole('button', { name: 'Add profile' }).click();
    await this.field('name').fill(name);
    await this.field('host').fill(login.host);
    await this.field('port').fill(String(login.port));
    await this.field('database').fill(login.database);
    await this.field('login').fill(login.login);
    // The test cluster has no TLS: a weaker mode than the default, chosen on purpose.
    await this.field('tls').selectOption('disable');
    await this.field('password').fill(password);
  }

  /** The warning the form shows for a TLS mode weaker than verify-full. */
  get tlsWarning(): Locator {
    return this.form.getByTestId('tls-warning');
  }

  async test(): Promise<void> {
    await this.form.getByRole('button', { name: 'Test' }).click();
  }

  async save(): Promise<void> {
    await this.form.getByRole('button', { name: 'Save' }).click();
  }

  profile(name: string): Locator {
    return this.page.getByTestId(`profile-${name}`);
  }

  async connect(name: string): Promise<void> {
    await this.profile(name).getByRole('button', { name: 'Connect' }).click();
  }

  async typePassword(name: string, password: string): Promise<void> {
    const prompt = this.profile(name).getByRole('form', { name: 'Password' });
    await prompt.locator('input[type="password"]').fill(password);
    await prompt.getByRole('button', { name: 'Connect' }).click();
  }
}
