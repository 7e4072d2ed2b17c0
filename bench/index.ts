/**
 * `npm run bench [-- --quick] [-- --only ledger,audit]`: runs each benchmark, prints one table of
 * figures — every figure beside a reference measured in the same run on the same server, as a
 * ratio — and writes it with the machine and versions to bench/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { closeBenchServer, type BenchRow } from './support';

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

/** Writes the figures so far: a long full run that is stopped keeps what it measured. */
async function save(quick: boolean, only: string[], rows: BenchRow[], failed: string[]): Promise<string> {
  const failures = failed.length ? `\nFailed: ${failed.join('; ')}\n` : '';
  const benches = only.length === Object.keys(BENCHES).length ? '' : `, ${only.join(', ')}`;
  const report = `# Pointkeeper benchmarks (${quick ? 'quick' : 'full'}${benches})\n\n${new Date().toISOString()} — ${machine}\n\n${table(rows)}\n${failures}`;
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  // A subset keeps a file of its own: it must not replace the figures of a whole run.
  const name = `latest${quick ? '-quick' : ''}${benches ? `-${only.join('-')}` : ''}`;
  await writeFile(join(dir, `${name}.md`), report);
  await writeFile(
    join(dir, `${name}.json`),
    JSON.stringify({ machine, quick, benches: only, rows, failed }, null, 2),
  );
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const only = onlyArg ? onlyArg.split(',') : Object.keys(BENCHES);
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  const unknown = only.filter((name) => !BENCHES[name]);
  if (unknown.length)
    throw new Error(`Unknown benchmark "${unknown.join(', ')}" (known: ${Object.keys(BENCHES).join(', ')})`);
  try {
    // A long full run keeps the figures of the benchmarks that finished when one of them fails.
    for (const name of only) {
      process.stderr.write(`== ${name}${quick ? ' (quick)' : ''}\n`);
      try {
        const figures = await (await BENCHES[name]!()).run(quick);
        rows.push(...figures);
        process.stderr.write(`${table(figures)}\n`);
      } catch (error) {
        failed.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        process.stderr.write(`== ${name} failed: ${failed.at(-1)}\n`);
      }
      await save(quick, only, rows, failed);
    }
  } finally {
    await closeBenchServer(); // an embedded server runs detached: never leave it behind
  }
  process.stdout.write(`${await save(quick, only, rows, failed)}\n`);
  if (failed.length) process.exitCode = 1;
}

await main();
