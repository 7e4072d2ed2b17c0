#!/usr/bin/env node
// `npm run browse`: the real renderer in the system browser, against the real handlers on an
// embedded PostgreSQL with demo data, through the e2e host's loopback bridge (127.0.0.1 only).
// For evaluating the console where no Electron binary exists; the page says it is a preview.
//
//   --no-build     serve out/renderer as it is (default: build it first)
//   --no-open      do not open a browser (also BROWSER=none); the URL is printed either way
//   --port P       a fixed port (default: any free one)
//   --users N --transactions M   size of the demo data (default 1000 / 10000)
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    'no-open': { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    users: { type: 'string', default: '1000' },
    transactions: { type: 'string', default: '10000' },
  },
});

const say = (line) => process.stderr.write(`browse: ${line}\n`);

if (!values['no-build']) {
  say('building the renderer…');
  const vite = resolve(REPO, 'node_modules/vite/bin/vite.js');
  const built = spawnSync(
    process.execPath,
    [vite, 'build', '-c', 'e2e/vite.renderer.config.ts', '--logLevel', 'warn'],
    {
      cwd: REPO,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (built.status !== 0) {
    say('the renderer did not build; see above.');
    process.exit(built.status ?? 1);
  }
}

/** The system's way to open a URL: open (macOS), start (Windows), xdg-open (elsewhere). */
function openBrowser(url) {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => say(`could not open a browser (${cmd}); open ${url} yourself.`));
  child.unref();
}

say('starting a local PostgreSQL with demo data (the first start takes a minute)…');
const host = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'e2e/host.ts',
    '--browse',
    '--exit-with-stdin',
    '--port',
    values.port,
    '--users',
    values.users,
    '--transactions',
    values.transactions,
  ],
  { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] },
);

createInterface({ input: host.stdout }).once('line', (line) => {
  let url;
  try {
    url = JSON.parse(line).url;
  } catch {
    say(`unexpected answer from the host: ${line}`);
    host.kill('SIGTERM');
    return;
  }
  // One line on stdout, for scripts and tests; the rest goes to stderr.
  process.stdout.write(`${url}/\n`);
  say(`preview of the desktop app at ${url}/ (loopback only). Ctrl-C stops it and its database.`);
  if (!values['no-open'] && process.env.BROWSER !== 'none') openBrowser(`${url}/`);
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => host.kill('SIGTERM'));
}
host.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
