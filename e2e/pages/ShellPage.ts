import type { Locator, Page } from '@playwright/test';

/** The frame around every screen: sidebar and status bar. */
export class ShellPage {
  readonly nav: Locator;
  readonly connection: Locator;
  readonly login: Locator;
  readonly role: Locator;
  readonly database: Locator;
  readonly transport: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Screens' });
    this.connection = page.getByTestId('status-connection');
    this.login = page.getByTestId('status-login');
    this.role = page.getByTestId('status-role');
    this.database = page.getByTestId('status-database');
    this.transport = page.getByTestId('status-transport');
  }

  async open(): Promise<void> {
    await this.page.goto('/');
  }

  navLink(label: string): Locator {
    return this.nav.getByRole('link', { name: label });
  }
}
