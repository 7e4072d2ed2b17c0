#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so the CLI and the app share one ledger.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/index.ts');
// Exit explicitly: the embedded server is already stopped, and nothing else may hold us open.
process.exit(await main(process.argv.slice(2)));
