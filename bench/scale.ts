/**
 * `npm run bench -- --scale`: how the cost of the bulk operations grows with the ledger. Scan,
 * sync, export and restore at 100k / 1M / 10M transactions (users a tenth of that), and user
 * search at the same 10k / 100k / 1M users, each operation in a process of its own so its peak
 * memory is its own. Writes a table and a chart (SVG) of time and peak memory against size.
 *
 * The goal is time linear in size and memory flat: the figures compare the time per million rows
 * at the largest size with that at the smallest (≈ 1× is linear; more is worse than linear), and
 * the peak memory at the largest size with that at the smallest (≈ 1× is flat).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'vega-lite';
import { parse, View } from 'vega';
import { damage } from './recovery';
import { SCALE_OPERATIONS, type ScaleOperation } from './scaleOperations';
import { benchDatabase, databaseUrl, row, type BenchRow } from './support';

export interface ScalePoint {
  operation: ScaleOperation;
  /** Transactions in the ledger; for search, users. */
  size: number;
  value: number;
  unit: 's' | 'ms';
  peakMb: number;
  detail: string;
  /** When this point was measured (ISO): a run of some operations keeps the others' earlier points. */
  at: string;
}

const TX_SIZES = [100_000, 1_000_000, 10_000_000];
const QUICK_TX_SIZES = [10_000, 100_000, 1_000_000];
const USERS_PER_TX = 0.1;

async function point(
  operation: ScaleOperation,
  url: string,
  ...rest: string[]
): Promise<Omit<ScalePoint, 'size'>> {
  const at = new Date().toISOString();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url)),
      fileURLToPath(new URL('scalePoint.ts', import.meta.url)),
      operation,
      url,
      ...rest,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the ${operation} process failed (exit ${String(code)})`);
  const figures = JSON.parse(out) as Omit<ScalePoint, 'size' | 'operation' | 'at'>;
  return { operation, ...figures, at };
}

/** The chosen operations at one size, on clones of one seeded template. */
async function atSize(
  transactions: number,
  dir: string,
  operations: ReadonlySet<ScaleOperation>,
): Promise<ScalePoint[]> {
  const users = Math.round(transactions * USERS_PER_TX);
  process.stderr.write(`   size: ${transactions.toLocaleString('en-US')} transactions\n`);
  const source = await benchDatabase('pointkeeper_bench_scale', { users, transactions });
  const empty = await benchDatabase('pointkeeper_bench_scale_restore');
  const file = join(dir, `scale-${transactions}.ndjson`);
  const url = databaseUrl(source.connection);
  const points: ScalePoint[] = [];
  const add = (p: Omit<ScalePoint, 'size'>, size: number) => {
    points.push({ ...p, size });
    process.stderr.write(
      `   ${p.operation}: ${p.value.toFixed(2)} ${p.unit}, ${p.peakMb} MB (${p.detail})\n`,
    );
  };
  const run = (operation: ScaleOperation) => operations.has(operation);
  try {
    if (run('scan')) add(await point('scan', url), transactions);
    if (run('search')) add(await point('search', url), users);
    // The restore reads the file the export writes.
    if (run('export') || run('restore')) {
      const exported = await point('export', url, file);
      if (run('export')) add(exported, transactions);
    }
    if (run('restore')) add(await point('restore', databaseUrl(empty.connection), file, dir), transactions);
    if (run('sync')) {
      await damage(source.session.knex);
      add(await point('sync', url), transactions);
    }
  } finally {
    await source.close();
    await empty.close();
    await rm(file, { force: true });
  }
  return points;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** Largest size against smallest: time per unit of size, and peak memory. */
export function scaleFigures(points: ScalePoint[]): BenchRow[] {
  const operations = [...new Set(points.map((p) => p.operation))];
  return operations.flatMap((operation) => {
    const mine = points.filter((p) => p.operation === operation).sort((a, b) => a.size - b.size);
    const small = mine[0];
    const large = mine.at(-1);
    if (!small || !large || small === large) return [];
    const what = operation === 'search' ? 'users' : 'transactions';
    const span = `${small.size.toLocaleString('en-US')} → ${large.size.toLocaleString('en-US')} ${what}`;
    // Search is an index lookup: its latency should not grow with size at all.
    const perMillion = (p: ScalePoint) => (operation === 'search' ? p.value : (p.value / p.size) * 1e6);
    return [
      row({
        name:
          operation === 'search'
            ? `search p95 latency at the largest size vs the smallest (${span})`
            : `${operation}: time per million transactions at the largest size vs the smallest (${span})`,
        value: r2(perMillion(large)),
        unit: large.unit,
        reference: r2(perMillion(small)),
        referenceName: 'the same at the smallest size',
        goal: operation === 'search' ? '≤ 2× (flat)' : '≤ 1.5× (linear)',
      }),
      row({
        name: `${operation}: peak memory at the largest size vs the smallest (${span})`,
        value: large.peakMb,
        unit: 'MB',
        reference: small.peakMb,
        referenceName: 'the same at the smallest size',
        goal: '≤ 1.5× (flat)',
      }),
    ];
  });
}

/** Time and peak memory against size, log–log, one line per operation. */
export async function chart(points: ScalePoint[], title: string): Promise<string> {
  const values = points.map((p) => ({
    operation: p.operation === 'search' ? 'search (p95, ms; size = users)' : p.operation,
    size: p.size,
    time: p.value,
    peakMb: p.peakMb,
  }));
  const panel = (field: 'time' | 'peakMb', label: string) => ({
    width: 360,
    height: 260,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: {
        field: 'size',
        type: 'quantitative' as const,
        scale: { type: 'log' as const },
        title: 'rows (log)',
      },
      // Time on a log axis (slope 1 is linear); memory on a linear axis from zero, where flat looks flat.
      y: {
        field,
        type: 'quantitative' as const,
        scale: field === 'time' ? { type: 'log' as const } : { zero: true },
        title: label,
      },
      color: {
        field: 'operation',
        type: 'nominal' as const,
        title: 'operation',
        legend: { labelLimit: 400 },
      },
    },
  });
  const spec = compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    hconcat: [panel('time', 'time (s; search: ms, log)'), panel('peakMb', 'peak memory (MB)')],
  }).spec;
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The points of `operations` at each size. */
export async function runScale(
  quick: boolean,
  sizes: number[] | undefined,
  operations: ReadonlySet<ScaleOperation> = new Set(SCALE_OPERATIONS),
): Promise<ScalePoint[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pk-bench-scale-'));
  const points: ScalePoint[] = [];
  try {
    for (const transactions of sizes ?? (quick ? QUICK_TX_SIZES : TX_SIZES))
      points.push(...(await atSize(transactions, dir, operations)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return points;
}

/**
 * This run's points, with an earlier run's for the operations this one did not measure (a run
 * of some operations refreshes their curves and keeps the rest). `earlierAt` dates the earlier
 * points that carry no date of their own (files written before points had one).
 */
export function mergePoints(
  fresh: ScalePoint[],
  earlier: Array<Omit<ScalePoint, 'at'> & { at?: string }>,
  earlierAt: string,
): ScalePoint[] {
  const measured = new Set(fresh.map((p) => p.operation));
  const kept = earlier
    .filter((p) => !measured.has(p.operation))
    .map((p) => ({ ...p, at: p.at ?? earlierAt }));
  return [...fresh, ...kept];
}
