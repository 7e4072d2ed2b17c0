import { join } from 'node:path';
import { runApp } from './app';

// The Electron main entry (electron-vite builds it to out/main/index.js; preload and renderer
// are built beside it).
const here = import.meta.dirname;
runApp({
  preload: join(here, '../preload/index.cjs'),
  rendererFile: join(here, '../renderer/index.html'),
  devUrl: process.env.ELECTRON_RENDERER_URL,
}).catch((error: unknown) => {
  process.stderr.write(
    `Pointkeeper could not start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
