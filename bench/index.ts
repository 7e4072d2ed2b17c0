/**
 * `npm run bench [-- --quick] [-- --only=ledger,audit] [-- --server=embedded|debian|both]
 *  [-- --scale [--sizes=100000,1000000] [--only=scan,sync]]`: runs each benchmark, prints one table of
 * figures — every figure beside a reference measured in the same run on the same server, as a
 * ratio — and writes it with the machine and versions to bench/results/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import {
  BENCH_SERVERS,
  closeBenchServer,
  useBenchServer,
  type BenchRow,
  type BenchServerKind,
} from './support';
import { chart, mergePoints, runScale, scaleFigures, type ScalePoint } from './scale';
import { SCALE_OPERATIONS, type ScaleOperation } from './scaleOperations';
import { stealLine, withSteal } from './steal';

type Bench = { run(quick: boolean): Promise<BenchRow[]> };

/** Every benchmark, by name. Each module exports run(quick). */
export const BENCHES: Record<string, () => Promise<Bench>> = {
  ledger: () => import('./ledger'),
  audit: () => import('./audit'),
  recovery: () => import('./recovery'),
  backup: () => import('./backup'),
  cli: () => import('./cli'),
  grants: () => import('./grants'),
  loop: () => import('./loopDelay'),
  expiry: () => import('./expiry'),
  demo: () => import('./demo'),
};

function table(rows: BenchRow[]): string {
  const head = ['figure', 'value', 'reference', 'ratio', 'goal'];
  const body = rows.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    `${r.reference} ${r.unit} (${r.referenceName})`,
    `${r.ratio}×`,
    r.goal ?? '',
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;

interface ServerRun {
  server: BenchServerKind;
  rows: BenchRow[];
  failed: string[];
  /** Per benchmark, the share of the machine's CPU time the host took while it ran (steal.ts). */
  stolen: Record<string, number | null>;
}

/** Set by a signal: the benchmark in flight fails as its server goes, and that is no figure. */
let stopping = false;

/**
 * Writes the figures so far: a long full run that is stopped keeps what it measured, each
 * benchmark's figures saved as it finishes.
 */
async function save(
  quick: boolean,
  only: string[],
  servers: BenchServerKind[],
  runs: ServerRun[],
): Promise<string> {
  if (stopping) return '';
  const benches = only.length === Object.keys(BENCHES).length ? '' : `, ${only.join(', ')}`;
  // BENCH_DATABASE_URL replaces whichever server was asked for: the report names that server.
  const url = process.env.BENCH_DATABASE_URL ? new URL(process.env.BENCH_DATABASE_URL) : null;
  const byUrl = url ? `${url.hostname}:${url.port || '5432'}` : null;
  const sections = runs.map((r) => {
    const failures = r.failed.length ? `\nFailed: ${r.failed.join('; ')}\n` : '';
    const steal = stealLine(r.stolen);
    const stolen = steal
      ? `\nCPU time taken by the host while each ran (steal, /proc/stat): ${steal}.\n`
      : '';
    const heading = `## ${byUrl ? `The server at BENCH_DATABASE_URL (${byUrl}, its own settings)` : r.server === 'embedded' ? 'Embedded PostgreSQL 18 (ours, tuned)' : "Debian's PostgreSQL (default settings)"}\n\n`;
    return `${runs.length > 1 || r.server !== 'embedded' || byUrl ? heading : ''}${table(r.rows)}\n${stolen}${failures}`;
  });
  const report = `# Pointkeeper benchmarks (${quick ? 'quick' : 'full'}${benches})\n\n${new Date().toISOString()} — ${machine}\n\n${sections.join('\n')}`;
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  // A subset, or another server, keeps a file of its own: it must not replace a whole run's figures.
  // Named by the servers asked for, so a run's first server's figures land in the run's one file.
  const serverPart = byUrl
    ? '-url'
    : servers.length === 1 && servers[0] === 'embedded'
      ? ''
      : `-${servers.join('-')}`;
  const name = `latest${quick ? '-quick' : ''}${benches ? `-${only.join('-')}` : ''}${serverPart}`;
  await writeFile(join(dir, `${name}.md`), report);
  await writeFile(
    join(dir, `${name}.json`),
    JSON.stringify({ machine, quick, benches: only, runs }, null, 2),
  );
  return report;
}

function serversOf(arg: string | undefined): BenchServerKind[] {
  if (!arg) return ['embedded'];
  const wanted = arg === 'both' ? [...BENCH_SERVERS] : arg.split(',');
  const unknown = wanted.filter((s) => !(BENCH_SERVERS as readonly string[]).includes(s));
  if (unknown.length)
    throw new Error(`Unknown server "${unknown.join(', ')}" (known: ${BENCH_SERVERS.join(', ')}, both)`);
  return wanted as BenchServerKind[];
}

/** The points of a --scale run, one line per operation and size. */
function pointsTable(points: ScalePoint[]): string {
  const head = ['operation', 'size', 'time', 'peak memory', 'what it did', 'measured'];
  const body = points.map((p) => [
    p.operation,
    `${p.size.toLocaleString('en-US')} ${p.operation === 'search' ? 'users' : 'transactions'}`,
    `${p.value.toFixed(2)} ${p.unit}`,
    `${p.peakMb} MB`,
    p.detail,
    p.at.slice(0, 16).replace('T', ' '),
  ]);
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** What an earlier --scale run wrote for this server, if anything, and when it ran. */
async function earlierScale(
  dir: string,
  name: string,
): Promise<{ points: Array<Omit<ScalePoint, 'at'> & { at?: string }>; at: string }> {
  const json = await readFile(join(dir, `${name}.json`), 'utf8').catch(() => null);
  if (json === null) return { points: [], at: 'unknown' };
  const earlier = JSON.parse(json) as { points: ScalePoint[]; measuredAt?: string };
  return { points: earlier.points, at: earlier.measuredAt ?? 'unknown' };
}

/**
 * `--scale`: each server's curves, written as scale[-quick]-<server>.{md,json,svg}. With
 * `--only=<operations>` only those are measured again; the file keeps the others' earlier points,
 * each dated.
 */
async function scale(
  quick: boolean,
  servers: BenchServerKind[],
  sizes: number[] | undefined,
  operations: ReadonlySet<ScaleOperation>,
): Promise<void> {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  for (const server of servers) {
    useBenchServer(server);
    try {
      process.stderr.write(`== scale${quick ? ' (quick)' : ''} on ${server}\n`);
      const measuredAt = new Date().toISOString();
      const name = `scale${quick ? '-quick' : ''}-${server}`;
      const earlier = await earlierScale(dir, name);
      const { result: fresh, stolen } = await withSteal(() => runScale(quick, sizes, operations));
      const points = mergePoints(fresh, earlier.points, earlier.at);
      const rows = scaleFigures(points);
      const title = `Pointkeeper: time and peak memory against size (${server === 'embedded' ? 'embedded PostgreSQL 18' : "Debian's PostgreSQL, default settings"})`;
      await writeFile(join(dir, `${name}.svg`), await chart(points, title));
      const stealNote =
        stolen === null
          ? ''
          : `\n\nCPU time taken by the host while this run measured ${[...operations].join(', ')} (steal, /proc/stat): ${Math.round(stolen * 100)} %.`;
      const report = `# ${title}\n\n${measuredAt} — ${machine}\n\n![chart](${name}.svg)\n\n${table(rows)}\n\n${pointsTable(points)}${stealNote}\n`;
      await writeFile(join(dir, `${name}.md`), report);
      await writeFile(
        join(dir, `${name}.json`),
        JSON.stringify({ machine, quick, server, measuredAt, points, rows }, null, 2),
      );
      process.stdout.write(`${report}\n`);
    } finally {
      await closeBenchServer();
    }
  }
}

/**
 * Ctrl-C or a kill ends the process without running the run loops' `finally`, and a Debian bench
 * cluster is a detached server that would keep running (and holding its scratch folder) after
 * it: stop it first, then exit as the signal would have.
 */
function stopServerOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      stopping = true;
      process.stderr.write(`== ${signal}: stopping the bench server\n`);
      void closeBenchServer()
        .catch((error: unknown) => process.stderr.write(`== could not stop it: ${String(error)}\n`))
        .finally(() => process.exit(128 + os.constants.signals[signal]));
    });
}

async function main(): Promise<void> {
  stopServerOnSignal();
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const value = (flag: string) => args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  const onlyArg = value('--only');
  const only = onlyArg ? onlyArg.split(',') : Object.keys(BENCHES);
  const servers = serversOf(value('--server'));
  if (args.includes('--scale')) {
    const sizes = value('--sizes')?.split(',').map(Number);
    if (sizes?.some((n) => !Number.isInteger(n) || n < 1000))
      throw new Error('--sizes takes transaction counts of at least 1000, comma-separated');
    const operations = onlyArg ? onlyArg.split(',') : [...SCALE_OPERATIONS];
    const unknownOperation = operations.filter((o) => !(SCALE_OPERATIONS as readonly string[]).includes(o));
    if (unknownOperation.length)
      throw new Error(
        `Unknown scale operation "${unknownOperation.join(', ')}" (known: ${SCALE_OPERATIONS.join(', ')})`,
      );
    return scale(quick, servers, sizes, new Set(operations as ScaleOperation[]));
  }
  const unknown = only.filter((name) => !BENCHES[name]);
  if (unknown.length)
    throw new Error(`Unknown benchmark "${unknown.join(', ')}" (known: ${Object.keys(BENCHES).join(', ')})`);
  const runs: ServerRun[] = [];
  for (const server of servers) {
    const current: ServerRun = { server, rows: [], failed: [], stolen: {} };
    runs.push(current);
    useBenchServer(server);
    try {
      // A long full run keeps the figures of the benchmarks that finished when one of them fails.
      for (const name of only) {
        process.stderr.write(`== ${name}${quick ? ' (quick)' : ''} on ${server}\n`);
        try {
          const bench = await BENCHES[name]!();
          const { result: figures, stolen } = await withSteal(() => bench.run(quick));
          current.rows.push(...figures);
          current.stolen[name] = stolen;
          process.stderr.write(`${table(figures)}\n`);
        } catch (error) {
          current.failed.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          process.stderr.write(`== ${name} failed: ${current.failed.at(-1)}\n`);
        }
        await save(quick, only, servers, runs);
      }
    } finally {
      await closeBenchServer(); // a bench server runs detached: never leave it behind
    }
  }
  process.stdout.write(`${await save(quick, only, servers, runs)}\n`);
  if (runs.some((r) => r.failed.length)) process.exitCode = 1;
}

await main();
