#!/usr/bin/env node
// `npm start` / `npm run dev` run this first. The electron package's own entry downloads the
// binary when it is missing, which hangs or fails obscurely offline: look for it ourselves, the
// way that entry does (path.txt + dist/, or ELECTRON_OVERRIDE_DIST_PATH), and say in one line
// what is missing and how to get it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The Electron executable that `electron-vite` would launch, or null when there is none; `checked`
 * is the file whose absence says so (for a reason a reader can check).
 */
export function electronBinary(env = process.env) {
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, version: null, checked: 'node_modules/electron/package.json' };
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = join(env.ELECTRON_OVERRIDE_DIST_PATH, name ?? 'electron');
    return { path: existsSync(candidate) ? candidate : null, version, checked: candidate };
  }
  const candidate = name ? join(pkgDir, 'dist', name) : null;
  return {
    path: candidate && existsSync(candidate) ? candidate : null,
    version,
    checked: candidate ?? pathFile,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { path, version } = electronBinary();
  if (!path) {
    const v = version ?? '<version>';
    process.stderr.write(
      `Electron ${v} is installed without its binary: run "node node_modules/electron/install.js" where the network allows (or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron ${v}); the CLI works without it.\n`,
    );
    process.exit(1);
  }
}
