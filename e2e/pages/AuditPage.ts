import type { Locator, Page } from '@playwright/test';

/** The Audit screen: one user's audit, the system scan with its cards, chart, findings and exports. */
export class AuditPage {
  readonly userCard: Locator;
  readonly scanCard: Locator;
  readonly badges: Locator;
  readonly chart: Locator;
  readonly findings: Locator;
  readonly scanExport: Locator;

  constructor(readonly page: Page) {
    this.userCard = page.getByRole('region', { name: 'Audit one user' });
    this.scanCard = page.getByRole('region', { name: 'System scan' });
    this.badges = page.getByLabel('Integrity');
    this.chart = page.getByRole('figure', { name: 'Discrepancies by kind' });
    this.findings = page.getByRole('table', { name: 'Scan findings' });
    this.scanExport = page.getByRole('form', { name: 'Export the discrepancy report' });
  }

  async open(): Promise<void> {
    await this.page.goto('/#/audit');
  }

  card(label: string): Locator {
    return this.page.getByTestId(`scan-${label}`);
  }

  async auditUser(userId: number): Promise<void> {
    await this.userCard.getByLabel('User id').fill(String(userId));
    await this.userCard.getByRole('button', { name: 'Audit' }).click();
  }

  findingUsers(): Promise<string[]> {
    return this.findings.locator('tbody tr td:first-child').allInnerTexts();
  }
}
