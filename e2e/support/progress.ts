import { expect, type Locator } from '@playwright/test';

/**
 * Waits for `done` for as long as a job's progress line keeps moving. A fixed timeout fails a
 * slow host on work that is still advancing (a 3,700-row preview ran at 279 rows/s on a loaded CI
 * host); this fails only a job whose line stops changing for `stallMs`, and says what it last said.
 */
export async function untilDone(
  done: Locator,
  progress: Locator,
  { stallMs = 15_000, limitMs = 120_000 } = {},
): Promise<void> {
  const started = Date.now();
  let last = '';
  let since = started;
  while (!(await done.isVisible())) {
    // allTextContents does not wait: before the job's first event there is no line yet.
    const text = (await progress.allTextContents()).join(' ');
    if (text !== last) {
      last = text;
      since = Date.now();
    }
    const now = Date.now();
    if (now - since > stallMs || now - started > limitMs) {
      throw new Error(
        `Waited ${Math.round((now - started) / 1000)} s; the progress line last changed ` +
          `${Math.round((now - since) / 1000)} s ago and said: ${last || '(nothing)'}`,
      );
    }
    await done.page().waitForTimeout(250);
  }
  await expect(done).toBeVisible();
}
