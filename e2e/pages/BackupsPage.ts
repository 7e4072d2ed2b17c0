import type { Locator, Page } from '@playwright/test';
import { untilDone } from '../support/progress';

/** The Backups screen: export, import (inspect, preview, typed confirmation, result), verify, history. */
export class BackupsPage {
  readonly exportForm: Locator;
  readonly exportResult: Locator;
  readonly importCard: Locator;
  readonly inspectSummary: Locator;
  readonly preview: Locator;
  readonly dialog: Locator;
  readonly confirmMode: Locator;
  readonly restoreResult: Locator;
  readonly verifyResult: Locator;
  readonly history: Locator;

  constructor(readonly page: Page) {
    this.exportForm = page.getByRole('form', { name: 'Export a backup' });
    this.exportResult = page.getByTestId('export-result');
    this.importCard = page.getByRole('region', { name: 'Import' });
    this.inspectSummary = page.getByTestId('inspect-summary');
    this.preview = page.getByTestId('restore-preview');
    this.dialog = page.locator('dialog[open]');
    this.confirmMode = this.dialog.getByLabel(/^Type (merge|replace) to confirm$/);
    this.restoreResult = page.getByTestId('restore-result');
    this.verifyResult = page.getByTestId('verify-result');
    this.history = page.getByRole('table', { name: 'Backup history' });
  }

  async open(): Promise<void> {
    await this.page.goto('/#/backups');
  }

  /** The preview reads and checks the whole file: wait while its progress moves. */
  async previewShown(): Promise<void> {
    await untilDone(this.preview, this.importCard.getByTestId('job-status'));
  }

  previewRow(table: string): Locator {
    return this.preview.getByRole('row').filter({ hasText: table });
  }
}
