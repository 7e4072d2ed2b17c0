import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectAccessible } from './support/axe';
import { expect, test } from './fixtures';
import { GrantsPage } from './pages/GrantsPage';

// Two files checked, one applied, axe twice and two downloads: more than the default 30 s when busy.
test.describe.configure({ timeout: 120_000 });

test('a bad grant file shows every problem by line; a good one previews, applies once and gives its result file', async ({
  page,
  database,
}) => {
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-grants-'));
  try {
    const grants = new GrantsPage(page);
    await grants.open();
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'user,points,description\n1,0,zero\n999999,5,nobody\n2,1.5,half\n');
    await database.dialogs.answer('openFile', bad);
    await grants.check();
    await expect(grants.problems).toContainText('3 problems in bad.csv', { timeout: 30_000 });
    const rows = grants.problems.getByRole('row');
    await expect(rows.nth(1)).toContainText('2points must be from 1 to 10,000 (got 0)');
    await expect(rows.nth(2)).toContainText('3no user has id 999999');
    await expect(rows.nth(3)).toContainText('4points must be a whole number');
    await expectAccessible(page, 'grants problems');

    const before = await database.call('users.get', { userId: 1 });
    if (!before.ok) throw new Error(before.error.message);
    const good = join(dir, 'good.csv');
    await writeFile(
      good,
      'user,points,description,type\n1,120,Spring campaign,bonus\n2,30,Apology,earned\n1,5,Thanks,earned\n',
    );
    await database.dialogs.answer('openFile', good);
    await grants.check();
    await expect(grants.preview).toContainText('3 rows for 2 users', { timeout: 30_000 });
    await expect(grants.preview.getByRole('table', { name: 'Totals by type' })).toContainText('bonus');
    await expectAccessible(page, 'grants preview');
    await page.getByRole('button', { name: 'Apply grants…' }).click();
    await grants.dialog.getByRole('button', { name: 'Apply' }).click();
    // Check, stage and apply are several round trips: generous on a busy machine.
    await expect(grants.done).toContainText('Import done. 3 applied, 0 replayed, 0 refused of 3 rows.', {
      timeout: 30_000,
    });
    const after = await database.call('users.get', { userId: 1 });
    if (!after.ok) throw new Error(after.error.message);
    // Two rows for user 1, written once; a demo user without a balance row gets one from the log.
    expect(after.data.transactionCount).toBe(before.data.transactionCount + 2);
    if (before.data.points !== null) expect(after.data.points).toBe(before.data.points + 125);

    const out = join(dir, 'result.csv');
    await database.dialogs.answer('saveFile', out);
    await page.getByRole('button', { name: 'Download result' }).click();
    await expect
      .poll(() => readFile(out, 'utf8').catch(() => ''), { timeout: 30_000 })
      .toContain(',applied,');
    await expect(grants.recent).toContainText('good.csv');
    await expect(grants.recent).toContainText('done');

    const template = join(dir, 'template.csv');
    await database.dialogs.answer('saveFile', template);
    await grants.fileCard.getByRole('button', { name: 'Download template' }).click();
    await expect
      .poll(() => readFile(template, 'utf8').catch(() => ''), { timeout: 30_000 })
      .toContain('user,points,description');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
