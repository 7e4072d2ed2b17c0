import type { Locator, Page } from '@playwright/test';

/** The Recovery screen: the form, the preview, the typed confirmation and the result. */
export class RecoveryPage {
  readonly form: Locator;
  readonly preview: Locator;
  readonly plan: Locator;
  readonly usersChanged: Locator;
  readonly apply: Locator;
  readonly dialog: Locator;
  readonly confirmCount: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole('form', { name: 'What to recover' });
    this.preview = this.form.getByRole('button', { name: 'Preview' });
    this.plan = page.getByRole('table', { name: 'Planned changes' });
    this.usersChanged = page.getByTestId('plan-changed');
    this.apply = page.getByRole('button', { name: 'Apply…' });
    this.dialog = page.locator('dialog[open]');
    this.confirmCount = this.dialog.getByLabel(/^Type \d+ to confirm$/);
    this.result = page.getByTestId('recovery-result');
  }

  userRow(userId: number): Locator {
    return this.page.getByTestId(`plan-user-${userId}`);
  }

  confirmButton(users: number): Locator {
    return this.dialog.getByRole('button', { name: `Apply to ${users} users` });
  }
}
