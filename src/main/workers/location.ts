import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The worker entry's file name in a build (electron-vite's main bundle and the CLI's). */
export const WORKER_ENTRY_FILE = 'pointkeeper-worker.js';

/**
 * Where a worker thread starts. Built (out/main, out/cli) the entry is a file of its own beside the
 * bundle's entry (both builds list it as a rollup input); this module may sit in a chunk one folder
 * down, so both places are tried. Run from source (vitest, tsx: this file is still .ts) the thread
 * gets a small bootstrap that registers tsx first, since a worker thread has no loader of its own.
 */
export function workerEntry(): URL {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(here)) return new URL('./dev-entry.mjs', here);
  for (const candidate of [`./${WORKER_ENTRY_FILE}`, `../${WORKER_ENTRY_FILE}`]) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`The worker entry ${WORKER_ENTRY_FILE} is missing beside ${fileURLToPath(here)}.`);
}
