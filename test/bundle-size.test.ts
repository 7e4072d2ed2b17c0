import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { INITIAL_BUDGET_BYTES, measureRenderer } from '../scripts/bundle-size.mjs';

const REPO = resolve(import.meta.dirname, '..');
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pk-bundle-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the renderer bundle', () => {
  it('loads under 400 kB of minified JavaScript before the first paint; screens come later', async () => {
    const outDir = await tempDir();
    // Vitest sets NODE_ENV=test, which would build React's development bundle.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    await build({
      configFile: resolve(REPO, 'e2e/vite.renderer.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    }).finally(() => (process.env.NODE_ENV = nodeEnv));
    const { chunks, initialBytes } = measureRenderer(outDir);
    expect(initialBytes).toBeGreaterThan(0);
    expect(initialBytes, `initial chunk ${initialBytes} bytes`).toBeLessThanOrEqual(INITIAL_BUDGET_BYTES);
    // The screens (and the audit chart's library with its screen) are chunks of their own.
    const lazy = chunks.filter((c) => !c.initial).map((c) => c.file);
    for (const screen of ['UsersScreen', 'AuditScreen', 'BackupsScreen'])
      expect(
        lazy.some((f) => f.includes(screen)),
        screen,
      ).toBe(true);
  }, 180_000);

  it('counts what the entry imports statically, and not what it loads on demand', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<script type="module" src="./assets/index.js"></script>');
    await writeFile(join(dir, 'assets/index.js'), 'import{a}from"./vendor.js";import("./screen.js");');
    await writeFile(join(dir, 'assets/vendor.js'), 'x'.repeat(INITIAL_BUDGET_BYTES));
    await writeFile(join(dir, 'assets/screen.js'), 'y'.repeat(1000));
    const { initialBytes, chunks } = measureRenderer(dir);
    expect(initialBytes).toBeGreaterThan(INITIAL_BUDGET_BYTES);
    expect(chunks.find((c) => c.file.endsWith('screen.js'))?.initial).toBe(false);
  });
});
