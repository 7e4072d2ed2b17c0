import type { Locator, Page } from '@playwright/test';

/** The Users screen's search half. */
export class UsersPage {
  readonly search: Locator;
  readonly results: Locator;
  readonly rows: Locator;
  readonly summary: Locator;
  readonly demoOffer: Locator;
  readonly generateDemo: Locator;

  constructor(readonly page: Page) {
    this.search = page.getByRole('combobox', { name: 'Search users' });
    this.results = page.getByRole('grid', { name: 'Matching users' });
    // Data rows only: the header row has no aria-selected.
    this.rows = this.results.locator('[role="row"][aria-selected]');
    this.summary = page.getByTestId('search-summary');
    this.demoOffer = page.getByTestId('demo-offer');
    this.generateDemo = page.getByRole('button', { name: 'Generate demo data' });
  }

  /** The result row of one user, found by the id in its first cell. */
  row(userId: number): Locator {
    return this.rows.filter({ has: this.page.getByRole('gridcell', { name: String(userId), exact: true }) });
  }

  highlighted(): Locator {
    return this.results.locator('[role="row"][aria-selected="true"]');
  }

  /** Scrolls the results to their end, where the next page is fetched. */
  async scrollToEnd(): Promise<void> {
    await this.rows.first().hover();
    await this.page.mouse.wheel(0, 1_000_000);
  }

  async searchFor(text: string): Promise<void> {
    await this.search.fill(text);
  }
}
