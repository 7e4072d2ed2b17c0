import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { elements, policies } from './eslint.boundaries.js';

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
    // Type-aware rules: a promise nobody awaits loses its error (and, in a handler, its ordering).
    files: ['src/**/*.{ts,tsx}', 'migrations/**/*.ts', 'e2e/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    // The layers (eslint.boundaries.js): which part of the code may import which.
    files: ['src/**/*.{ts,tsx}', 'migrations/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/include': ['src/**/*', 'migrations/**/*'],
      'boundaries/legacy-warnings': false,
      'import/resolver': {
        typescript: {
          project: ['./tsconfig.node.json', './tsconfig.web.json'],
          noWarnOnMultipleProjects: true,
        },
      },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies }],
      'boundaries/no-unknown-files': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.tsx'],
    ...jsxA11y.flatConfigs.recommended,
    rules: {
      ...jsxA11y.flatConfigs.recommended.rules,
      // Focus moves to a dialog's first field and to the screen's one search box on purpose
      // (the WAI-ARIA dialog pattern); the e2e accessibility tests (axe) check the result.
      'jsx-a11y/no-autofocus': 'off',
      // A radio's label wraps the input and its text.
      'jsx-a11y/label-has-associated-control': ['error', { assert: 'either', depth: 3 }],
      // Scrolling regions are focusable so a keyboard can scroll them (axe: scrollable-region-focusable).
      'jsx-a11y/no-noninteractive-tabindex': ['error', { tags: [], roles: ['rowgroup', 'region'] }],
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
