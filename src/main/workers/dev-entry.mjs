// A worker thread started from the TypeScript sources (vitest, tsx) has no TypeScript loader of its
// own: register tsx in this thread, then run the real entry. Builds start their bundled entry directly.
import { register } from 'tsx/esm/api';

register();
await import('./entry.ts');
