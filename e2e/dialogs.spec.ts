import type { PointkeeperApi } from '../src/shared/api';
import { expect, test } from './fixtures';

// The e2e host's dialogs are scripted: this is the contract other screens' tests rely on.
test('native dialogs answer what the test scripted, and record what was asked', async ({
  page,
  database,
}) => {
  await page.goto('/');
  await database.dialogs.answer('saveFile', '/tmp/pk-e2e-report.csv', null);
  const answers = await page.evaluate(async () => {
    const { calls } = (globalThis as unknown as { pointkeeper: PointkeeperApi }).pointkeeper;
    const first = await calls['dialog.saveFile']({ title: 'Save report', defaultName: 'report.csv' });
    const second = await calls['dialog.saveFile']({ title: 'Save report' });
    const unscripted = await calls['dialog.openFile']({ title: 'Open backup' });
    const missing = await calls['shell.showInFolder']({ path: '/tmp/pk-e2e-report.csv' });
    const notChosen = await calls['shell.showInFolder']({ path: '/etc/passwd' });
    return { first, second, unscripted, missing, notChosen };
  });
  expect(answers.first).toEqual({ ok: true, data: { path: '/tmp/pk-e2e-report.csv' } });
  expect(answers.second).toEqual({ ok: true, data: { path: null } });
  expect(answers.unscripted).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  expect(answers.missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  // Only a file a dialog gave may be shown: a path the page merely sends is refused.
  expect(answers.notChosen).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const record = await database.dialogs.record();
  expect(record.asked.map((a) => [a.kind, a.options.title])).toEqual([
    ['saveFile', 'Save report'],
    ['saveFile', 'Save report'],
    ['openFile', 'Open backup'],
  ]);
  expect(record.shown).toEqual([]);
});
