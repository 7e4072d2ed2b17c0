import { resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';
import electronConfig from '../electron.vite.config.ts';

/**
 * The renderer alone, built exactly as electron-vite builds it (same section of
 * electron.vite.config.ts, same out/renderer, relative base): the e2e host serves only the
 * renderer, so its tests need neither the main process nor the preload to build.
 */
const renderer = (electronConfig as { renderer?: UserConfig }).renderer ?? {};
const repo = resolve(import.meta.dirname, '..');

export default defineConfig({
  ...renderer,
  base: './',
  build: { ...renderer.build, outDir: resolve(repo, 'out/renderer'), emptyOutDir: true },
});
