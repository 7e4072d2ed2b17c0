import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The command line as plain JavaScript (out/cli/index.js), built by the same toolchain as the
 * app: no TypeScript loader at run time. Packages stay in node_modules (an SSR build leaves
 * them external); the migrations are bundled, as for the app's main process.
 *
 *   npx vite build -c cli.vite.config.ts      (part of npm run build)
 */
export default defineConfig({
  build: {
    ssr: true,
    outDir: resolve(import.meta.dirname, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    sourcemap: false,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'src/main/cli/bin.ts'),
        // Worker threads start from a file of their own (src/main/workers/location.ts finds it).
        'pointkeeper-worker': resolve(import.meta.dirname, 'src/main/workers/entry.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
