/**
 * The layers of DESIGN.md as lint rules (docs/architecture.md draws them). Every file is put in a
 * layer by its path, so a new file under src/main/ledger/<anything>/ or a new screen folder is in
 * the right layer without an edit here. The first matching element wins.
 */
const el = (type, pattern, extra = {}) => ({ type, pattern, partialMatch: false, ...extra });
const file = (type, pattern) => ({ type, pattern, mode: 'full' });

export const elements = [
  // Shared by every process: plain types, the contract, formatters. No Node, no DOM, no React.
  file('contract', 'src/shared/contract.ts'),
  el('contract', 'src/shared/contract'),
  el('shared', 'src/shared'),
  el('migrations', 'migrations'),
  el('preload', 'src/preload'),
  // The main process, bottom up.
  file('main-base', 'src/main/errors.ts'),
  file('main-base', 'src/main/logger.ts'),
  el('files', 'src/main/files'),
  el('db', 'src/main/db'),
  // Worker threads: the facility (below the ledger, which uses it) and the entry that runs the jobs.
  file('worker-entry', 'src/main/workers/entry.ts'),
  el('workers', 'src/main/workers'),
  el('ledger', 'src/main/ledger'),
  el('reports', 'src/main/reports'),
  el('demo', 'src/main/demo'),
  file('ports', 'src/main/api/ports.ts'),
  el('api', 'src/main/api'),
  el('load', 'src/main/load'),
  el('desktop', 'src/main/desktop'),
  el('cli', 'src/main/cli'),
  el('electron', 'src/main/electron'),
  // The renderer. The router and the toast store are services every screen uses, not the shell.
  file('renderer-services', 'src/renderer/src/app/router.ts'),
  file('renderer-services', 'src/renderer/src/app/toastStore.ts'),
  file('renderer-services', 'src/renderer/src/app/theme.ts'),
  file('renderer-entry', 'src/renderer/src/main.tsx'),
  el('renderer-shell', 'src/renderer/src/app'),
  el('renderer-screen', 'src/renderer/src/screens/*', { capture: ['screen'] }),
  el('renderer-components', 'src/renderer/src/components'),
  el('renderer-data', 'src/renderer/src/data'),
  el('renderer-lib', 'src/renderer/src/lib'),
];

const allow = (from, to) => ({
  from: { element: { type: from } },
  allow: { to: { element: { types: { anyOf: [from, ...to] } } } },
});

const MAIN_BASE = ['main-base', 'shared', 'contract'];

export const policies = [
  allow('shared', ['contract']),
  // The contract is shared, but the layers under the registry do not depend on its calls.
  allow('contract', ['shared']),
  allow('migrations', ['shared']),
  allow('preload', ['shared', 'contract']),
  allow('main-base', ['shared']),
  allow('files', ['main-base', 'shared']),
  // db: nothing above it (not the contract, not the ledger); the migrations are its own.
  allow('db', ['main-base', 'shared', 'migrations']),
  // The ledger: db and shared only — never api, cli, electron, desktop.
  allow('workers', MAIN_BASE),
  allow('ledger', ['db', 'files', 'workers', ...MAIN_BASE]),
  allow('reports', ['ledger', 'db', 'files', 'workers', ...MAIN_BASE]),
  // The worker entry starts the jobs, which live beside the code they serve.
  allow('worker-entry', ['workers', 'reports', 'ledger', 'files', ...MAIN_BASE]),
  allow('demo', ['ledger', 'db', ...MAIN_BASE]),
  allow('ports', MAIN_BASE),
  allow('api', ['ports', 'ledger', 'reports', 'demo', 'db', 'files', ...MAIN_BASE]),
  allow('load', ['api', 'ports', 'ledger', 'db', ...MAIN_BASE]),
  // Host adapters: they implement the registry's ports.
  allow('desktop', ['ports', 'files', 'db', ...MAIN_BASE]),
  allow('cli', ['api', 'ports', 'desktop', 'load', 'ledger', 'reports', 'demo', 'db', 'files', ...MAIN_BASE]),
  allow('electron', ['api', 'ports', 'desktop', 'db', 'files', ...MAIN_BASE]),
  // Renderer → shared only; inside it: shell → screens → components → data → lib.
  allow('renderer-services', ['shared', 'contract']),
  allow('renderer-data', ['renderer-services', 'shared', 'contract']),
  allow('renderer-lib', ['renderer-data', 'renderer-services', 'shared', 'contract']),
  allow('renderer-components', ['renderer-data', 'renderer-services', 'renderer-lib', 'shared', 'contract']),
  // Screens never import each other: a screen reaches only its own folder (checked below).
  {
    from: { element: { type: 'renderer-screen' } },
    allow: {
      to: {
        element: {
          types: {
            anyOf: [
              'renderer-components',
              'renderer-data',
              'renderer-services',
              'renderer-lib',
              'shared',
              'contract',
            ],
          },
        },
      },
    },
  },
  {
    from: { element: { type: 'renderer-screen' } },
    allow: {
      to: {
        element: { type: 'renderer-screen', captured: { screen: '{{ from.element.captured.screen }}' } },
      },
    },
  },
  allow('renderer-shell', [
    'renderer-screen',
    'renderer-components',
    'renderer-data',
    'renderer-services',
    'renderer-lib',
    'shared',
    'contract',
  ]),
  allow('renderer-entry', [
    'renderer-shell',
    'renderer-data',
    'renderer-services',
    'renderer-lib',
    'shared',
    'contract',
  ]),
];
