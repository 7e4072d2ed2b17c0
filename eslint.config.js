import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => [
  'error',
  { patterns: patterns.map((p) => ({ group: [p.group].flat(), message: p.message })) },
];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The renderer reaches the ledger only through window.pointkeeper.
      'no-restricted-imports': restrict([
        {
          group: ['electron', 'knex', 'pg', 'keytar', 'node:*'],
          message: 'The renderer talks to main only through window.pointkeeper.',
        },
        { group: ['**/main/**', '../../main/*'], message: 'The renderer may not import src/main.' },
      ]),
    },
  },
  {
    files: [
      'src/main/ledger/**/*.ts',
      'src/main/api/**/*.ts',
      'src/main/db/**/*.ts',
      'src/main/cli/**/*.ts',
      'src/main/desktop/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron'], message: 'Ledger, registry, database and CLI code runs without Electron.' },
      ]),
    },
  },
  {
    files: ['src/main/**/*.ts'],
    rules: {
      // The app has no external links: a file:, smb: or custom-scheme URL handed to the system
      // can run programs on the user's machine, so nothing may open one.
      'no-restricted-properties': [
        'error',
        { object: 'shell', property: 'openExternal', message: 'The app opens no external URLs.' },
      ],
    },
  },
);
