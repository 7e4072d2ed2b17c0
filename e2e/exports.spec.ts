import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';

/**
 * A report's format follows its file name: x.csv is CSV and x.pdf is PDF whatever the format
 * select said before (issue 18: "typed-name.csv" with PDF selected produced a PDF).
 */
test('an export named x.csv is CSV and x.pdf is PDF, whatever was selected before', async ({
  page,
  database,
}) => {
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-exports-'));
  try {
    await page.goto('/#/operations');
    const form = page.getByRole('form', { name: 'Export the operations log as filtered' });
    const format = form.getByLabel('Format');
    const pathField = form.getByLabel('Save the operations log as filtered to');

    // PDF selected, then the save dialog answers x.csv: the form switches to CSV.
    await format.selectOption('pdf');
    const csv = join(dir, 'x.csv');
    await database.dialogs.answer('saveFile', csv);
    await form.getByRole('button', { name: 'Choose…' }).click();
    await expect(pathField).toHaveValue(csv);
    await expect(format).toHaveValue('csv');
    await form.getByRole('button', { name: 'Export CSV' }).click();
    await expect(form.getByRole('status')).toContainText('as CSV');
    const csvText = await readFile(csv, 'utf8');
    expect(csvText.startsWith('%PDF')).toBe(false);
    expect(csvText).toMatch(/^.*\bid\b.*\baction\b/im);

    // CSV now selected, the dialog answers x.pdf: a PDF.
    const pdf = join(dir, 'x.pdf');
    await database.dialogs.answer('saveFile', pdf);
    await form.getByRole('button', { name: 'Choose…' }).click();
    await expect(pathField).toHaveValue(pdf);
    await expect(format).toHaveValue('pdf');
    await form.getByRole('button', { name: 'Export PDF' }).click();
    await expect(form.getByRole('status')).toContainText('as PDF');
    expect((await readFile(pdf)).subarray(0, 5).toString()).toBe('%PDF-');

    // And the other way round: choosing a format renames the extension.
    await format.selectOption('csv');
    await expect(pathField).toHaveValue(join(dir, 'x.csv'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
