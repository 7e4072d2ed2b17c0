import type { Locator, Page } from '@playwright/test';

/** The Grants screen: file, check (problems or preview), apply, progress, result, recent imports. */
export class GrantsPage {
  readonly fileCard: Locator;
  readonly problems: Locator;
  readonly preview: Locator;
  readonly dialog: Locator;
  readonly done: Locator;
  readonly recent: Locator;

  constructor(readonly page: Page) {
    this.fileCard = page.getByRole('region', { name: 'Grant file' });
    this.problems = page.getByTestId('grants-problems');
    this.preview = page.getByTestId('grants-preview');
    this.dialog = page.locator('dialog[open]');
    this.done = page.getByTestId('grants-done');
    this.recent = page.getByRole('table', { name: 'Recent imports' });
  }

  async open(): Promise<void> {
    await this.page.goto('/#/grants');
  }

  async check(): Promise<void> {
    await this.fileCard.getByRole('button', { name: 'Choose…' }).click();
    await this.fileCard.getByRole('button', { name: 'Check file' }).click();
  }
}
