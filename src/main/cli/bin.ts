import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './index';

export { main };

// The built command line's entry (out/cli/index.js): run when node starts it; the desktop
// package's Electron imports it (`pointkeeper --cli …`) and calls main itself. Exit explicitly:
// the embedded server is already stopped, and nothing else may hold the process open.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(await main(process.argv.slice(2)));
}
