import type { Locator, Page } from '@playwright/test';

/** The earn and redeem forms, the history table and the confirmation dialog of a user view. */
export class PointsPage {
  readonly earnForm: Locator;
  readonly redeemForm: Locator;
  readonly history: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.earnForm = page.getByRole('form', { name: 'Earn points' });
    this.redeemForm = page.getByRole('form', { name: 'Redeem points' });
    this.history = page.getByRole('grid', { name: 'Transactions' });
    this.dialog = page.locator('dialog[open]');
  }

  async earn(points: number, description: string): Promise<void> {
    await this.earnForm.getByLabel('Points', { exact: true }).fill(String(points));
    await this.earnForm.getByLabel('Description', { exact: true }).fill(description);
    await this.earnForm.getByRole('button', { name: 'Earn…' }).click();
    await this.dialog.getByRole('button', { name: `Earn ${points} points` }).click();
  }

  /** Earn and redeem share one compact panel: its tab shows the form. */
  async showRedeem(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Redeem' }).click();
  }

  async redeem(points: number, description: string): Promise<void> {
    await this.showRedeem();
    await this.redeemForm.getByLabel('Points', { exact: true }).fill(String(points));
    await this.redeemForm.getByLabel('Description', { exact: true }).fill(description);
    await this.redeemForm.getByRole('button', { name: 'Redeem…' }).click();
    await this.dialog.getByRole('button', { name: `Redeem ${points} points` }).click();
  }

  async reverse(transactionId: number, reason: string): Promise<void> {
    await this.page.getByTestId(`tx-${transactionId}`).getByRole('button', { name: 'Reverse…' }).click();
    await this.dialog.getByLabel('Reason (required)').fill(reason);
    await this.dialog.getByRole('button', { name: 'Reverse' }).click();
  }

  toast(text: string): Locator {
    return this.page.getByText(text, { exact: true });
  }
}
