import type { Locator, Page } from '@playwright/test';

/** One user opened from the search. */
export class UserViewPage {
  readonly name: Locator;
  readonly balance: Locator;
  readonly totalEarned: Locator;
  readonly transactionCount: Locator;
  readonly back: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByTestId('user-name');
    this.balance = page.getByTestId('user-balance');
    this.totalEarned = page.getByTestId('user-total-earned');
    this.transactionCount = page.getByTestId('user-tx-count');
    this.back = page.getByRole('link', { name: /Results/ });
  }
}
