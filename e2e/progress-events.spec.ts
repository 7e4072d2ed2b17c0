import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PointkeeperApi } from '../src/shared/api';
import type { ProgressEvent } from '../src/shared/progress';
import { expect, test } from './fixtures';
import { BackupsPage } from './pages/BackupsPage';

/** The page's globals this test uses (the e2e code is typed for Node, without the DOM). */
interface PageGlobals {
  heardProgress: ProgressEvent[];
  pointkeeper: PointkeeperApi;
}

/**
 * Issue 19: a long call's progress is pushed to the window (here over the bridge's event stream,
 * in Electron by webContents.send), not polled: several updates arrive while one request, the
 * export itself, is open.
 */
test("a long export's progress arrives as pushed events, with no request per update", async ({
  page,
  database,
}) => {
  test.setTimeout(180_000);
  // Enough rows that the export takes several progress intervals.
  const grown = await database.call('demo.generate', { users: 20_000, transactions: 200_000 });
  expect(grown.ok).toBe(true);
  const dir = await mkdtemp(join(tmpdir(), 'pk-e2e-progress-'));
  try {
    const backups = new BackupsPage(page);
    const streamOpen = page.waitForResponse((r) => r.url().endsWith('/events'));
    await backups.open();
    await streamOpen;
    await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      w.heardProgress = [];
      w.pointkeeper.onProgress((e) => w.heardProgress.push(e));
    });
    await database.dialogs.answer('saveFile', join(dir, 'everything.ndjson.gz'));
    await backups.exportForm.getByRole('button', { name: 'Choose…' }).click();

    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/rpc/')) asked.push(r.url().split('/rpc/')[1]!);
    });
    await backups.exportForm.getByRole('button', { name: 'Export' }).click();
    // The screen's own bar follows the same events.
    await expect(page.getByTestId('job-status')).toContainText(/export.*rows/, { timeout: 30_000 });
    await expect(backups.exportResult).toContainText('Rows', { timeout: 90_000 });

    const events = await page.evaluate(() => (globalThis as unknown as PageGlobals).heardProgress);
    const exportEvents = events.filter((e) => e.call === 'backup.export');
    const updates = exportEvents.filter((e) => !e.finished);
    expect(updates.length, 'several progress updates').toBeGreaterThanOrEqual(3);
    const done = updates.map((e) => e.progress.done);
    expect(done, 'rows only go up').toEqual([...done].sort((a, b) => a - b));
    expect(exportEvents.at(-1)).toMatchObject({ finished: true });
    expect(new Set(exportEvents.map((e) => e.jobId)).size).toBe(1);
    // One request carried the export; none asked how far it had got.
    expect(asked.filter((c) => c === 'backup.export')).toHaveLength(1);
    expect(asked.filter((c) => c === 'backup.progress')).toEqual([]);
    expect(asked.length, `requests during the export: ${asked.join(', ')}`).toBeLessThan(updates.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Job progress is pushed everywhere: no query re-asks on a timer for it (30 s freshness checks stay). */
test('no refetchInterval remains for job progress', async () => {
  const root = resolve(import.meta.dirname, '../src/renderer/src');
  const files = (await readdir(root, { recursive: true })).filter((f) => /\.tsx?$/.test(f));
  const timers: string[] = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(/refetchInterval:\s*([^,\n]+)/g)) timers.push(`${file}: ${m[1]}`);
  }
  expect(timers.length).toBeGreaterThan(0);
  // Only slow freshness checks (session, profiles, stale scan): nothing faster than 30 s — except
  // the approvals queue, whose changes are other logins' decisions, and the reporting replica's
  // lag, a server's state (data, not a job's progress).
  for (const timer of timers)
    expect(timer).toMatch(/: 30_000$|^data\/approvals\.queries\.ts: |^data\/session\.queries\.ts: 5_000$/);
  expect(timers.join('\n')).not.toMatch(/backup|recovery|audit\.queries|grants|expiry/);
});
