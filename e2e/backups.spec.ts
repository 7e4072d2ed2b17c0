import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPoints } from '../src/shared/format';
import { expect, test } from './fixtures';
import { BackupsPage } from './pages/BackupsPage';

test('exports everything, previews and restores it over a newer balance after the typed mode, verifies, lists the history', async ({
  page,
  database,
}) => {
  test.setTimeout(150_000); // export, preview, restore and verify each read the whole ledger
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-backup-'));
  const file = join(dir, 'everything.ndjson.gz');
  try {
    const backups = new BackupsPage(page);
    await backups.open();

    await database.dialogs.answer('saveFile', file);
    await backups.exportForm.getByRole('button', { name: 'Choose…' }).click();
    await expect(backups.exportForm.getByLabel(/^Backup file/)).toHaveValue(file);
    await backups.exportForm.getByRole('button', { name: 'Export' }).click();
    await expect(backups.exportResult).toContainText('Rows');
    expect(existsSync(file)).toBe(true);

    // The user moves on after the backup: a replace restore takes the balance back.
    const before = await database.call('users.get', { userId: 1 });
    if (!before.ok) throw new Error(before.error.message);
    const earned = await database.call('points.earn', {
      userId: 1,
      points: 50,
      description: 'after the backup',
    });
    expect(earned.ok).toBe(true);

    await database.dialogs.answer('openFile', file);
    await backups.importCard.getByRole('button', { name: 'Choose…' }).click();
    await backups.importCard.getByLabel(/Replace/).check();
    await backups.importCard.getByRole('button', { name: 'Preview' }).click();
    await expect(backups.inspectSummary).toContainText('valid');
    await backups.previewShown();
    // Remove (the last column): the one row written after the backup.
    await expect(backups.previewRow('points_transactions').getByRole('cell').last()).toHaveText('1');
    await expect(backups.preview.getByRole('list', { name: 'Balance changes' })).toContainText(
      `User 1: ${formatPoints(before.data.points! + 50)} → ${formatPoints(before.data.points!)}`,
    );

    await page.getByRole('button', { name: 'Restore…' }).click();
    await backups.confirmMode.fill('merge');
    await expect(backups.dialog.getByRole('button', { name: 'Restore' })).toBeDisabled();
    await backups.confirmMode.fill('replace');
    await backups.dialog.getByRole('button', { name: 'Restore' }).click();
    await expect(backups.restoreResult).toContainText('0 broken chain links, 0 copy mismatches');
    // The result reads like its preview: the same table, with what was done beside what was planned.
    const removed = backups.restoreResult.getByRole('row').filter({ hasText: 'points_transactions' });
    await expect(removed.getByRole('cell').nth(5)).toHaveText('1'); // Remove, as planned
    await expect(removed.getByRole('cell')).toHaveCount(9); // … and what was inserted, updated, removed
    const after = await database.call('users.get', { userId: 1 });
    expect(after).toMatchObject({ ok: true, data: { points: before.data.points } });

    await backups.importCard.getByRole('button', { name: 'Verify in a scratch database' }).click();
    await expect(backups.verifyResult).toContainText('The backup restores cleanly.');

    await expect(backups.history).toContainText('export');
    await expect(backups.history).toContainText('restore.apply');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
