import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { AuditPage } from './pages/AuditPage';
import { cssOf } from './support/css';

test('scans, charts and sorts the discrepancies, drills down to a user, audits one user, exports a PDF', async ({
  page,
  database,
}) => {
  const demo = await database.call('demo.generate', { users: 20, transactions: 100, discrepancies: 3 });
  if (!demo.ok) throw new Error(demo.error.message);
  const seeded = demo.data.discrepancies;
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-audit-'));
  try {
    const audit = new AuditPage(page);
    await audit.open();
    await audit.scanCard.getByRole('button', { name: 'Scan every user' }).click();
    await expect(audit.card('discrepancies')).toHaveText(String(seeded.length));
    await expect(audit.card('users-with-discrepancies')).toHaveText(String(seeded.length));
    await expect(audit.chart).toBeVisible();
    await expect(audit.findings.locator('tbody tr')).toHaveCount(seeded.length);

    // Sortable: by user, ascending, then descending.
    await audit.findings.getByRole('button', { name: /^User/ }).click();
    const ids = seeded.map((s) => s.userId).sort((a, b) => a - b);
    await expect.poll(() => audit.findingUsers()).toEqual(ids.map(String));
    await audit.findings.getByRole('button', { name: /^User/ }).click();
    await expect.poll(() => audit.findingUsers()).toEqual([...ids].reverse().map(String));

    // Export the report through the native dialog (scripted by the host).
    const file = join(dir, 'discrepancies.pdf');
    await database.dialogs.answer('saveFile', file);
    await audit.scanExport.getByRole('button', { name: 'Choose…' }).click();
    await expect(audit.scanExport.getByLabel('Save the discrepancy report to')).toHaveValue(file);
    await audit.scanExport.getByRole('button', { name: 'Export PDF' }).click();
    await expect(audit.scanExport.getByRole('status')).toContainText(`Saved ${seeded.length} rows`);
    expect(existsSync(file)).toBe(true);
    expect((await readFile(file)).subarray(0, 5).toString()).toBe('%PDF-');

    // Drill down to the user, then audit them on this screen.
    const broken = seeded.find((s) => s.kind === 'balance_mismatch')!;
    await audit.findings.getByRole('link', { name: String(broken.userId), exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/users/${broken.userId}$`));
    await audit.open();
    await audit.auditUser(broken.userId);
    // A failure never looks like a pass: its own tone, icon and words.
    const failed = audit.badges.locator('[data-tone="bad"]');
    await expect(failed).toHaveText(/✗.*Stored balance differs from the log/);
    await expect(audit.badges.locator('[data-tone="ok"]', { hasText: 'Hash chain intact' })).toContainText(
      '✓',
    );
    const [bad, good] = await Promise.all([
      cssOf(failed, 'color'),
      cssOf(audit.badges.locator('[data-tone="ok"]').first(), 'color'),
    ]);
    expect(bad).not.toBe(good);
    await expect(audit.userCard.getByRole('table').locator('[data-code="balance_mismatch"]')).toHaveText(
      'Balance differs from the log',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
