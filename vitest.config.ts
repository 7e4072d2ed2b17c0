import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/*
 * Two projects: the main-process tests run in Node against a real PostgreSQL (global setup), the
 * renderer's unit tests run in jsdom with React Testing Library and need no database.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['src/renderer/**', '**/node_modules/**'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          // Each CLI call in a test stops the local server it started, as the tests expect.
          env: { POINTKEEPER_KEEP_ALIVE: '0' },
        },
      },
      {
        extends: true,
        plugins: [react()],
        test: {
          name: 'renderer',
          include: ['src/renderer/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['test/support/renderer-setup.ts'],
        },
      },
    ],
  },
});
