import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runApp } from './app';

// The Electron main entry (electron-vite builds it to out/main/index.js; preload and renderer
// are built beside it, the command line in out/cli).
const here = import.meta.dirname;
const cliAt = process.argv.indexOf('--cli');

/** `pointkeeper --cli <args>` (build/pointkeeper): the built command line, no window. */
async function runCommandLine(args: string[]): Promise<never> {
  const cli = (await import(pathToFileURL(join(here, '../cli/index.js')).href)) as {
    main(argv: string[]): Promise<number>;
  };
  process.exit(await cli.main(args));
}

if (cliAt >= 0) {
  void runCommandLine(process.argv.slice(cliAt + 1));
} else {
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
}
