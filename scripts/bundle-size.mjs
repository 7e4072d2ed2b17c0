#!/usr/bin/env node
/**
 * Prints the built renderer's chunks with their sizes and the initial chunk (what the window
 * loads before the first paint: index.html's scripts and everything they import statically),
 * and the preload's size. Exits 1 when the initial chunk passes the budget. `npm run build` runs
 * it; test/bundle-size.test.ts builds the renderer and checks the same budget.
 *
 *   node scripts/bundle-size.mjs [out]      (default: out)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Minified bytes (kB as Vite counts them: 1,000 bytes). */
export const INITIAL_BUDGET_BYTES = 400_000;

const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.js)["']/g;

/** The renderer's initial chunk: entry scripts and their static imports, each counted once. */
export function measureRenderer(rendererDir) {
  const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  const entries = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => resolve(rendererDir, m[1]));
  const initial = new Set();
  const visit = (file) => {
    if (initial.has(file)) return;
    initial.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(STATIC_IMPORT)) visit(resolve(dirname(file), m[1]));
  };
  entries.forEach(visit);
  const assets = join(rendererDir, 'assets');
  const chunks = readdirSync(assets)
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((f) => ({ file: join(assets, f), bytes: statSync(join(assets, f)).size }))
    .map((c) => ({ ...c, initial: initial.has(c.file) }))
    .sort((a, b) => b.bytes - a.bytes);
  const initialBytes = chunks.filter((c) => c.initial).reduce((s, c) => s + c.bytes, 0);
  return { chunks, initialBytes };
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`.padStart(10);

function main() {
  const out = resolve(process.argv[2] ?? 'out');
  const { chunks, initialBytes } = measureRenderer(join(out, 'renderer'));
  const lines = ['Renderer chunks (minified):'];
  for (const c of chunks)
    lines.push(`${kB(c.bytes)}  ${relative(out, c.file)}${c.initial ? '  (initial)' : ''}`);
  lines.push(`${kB(initialBytes)}  initial chunk, budget ${kB(INITIAL_BUDGET_BYTES).trim()}`);
  const preload = join(out, 'preload', 'index.cjs');
  if (existsSync(preload)) lines.push(`${kB(statSync(preload).size)}  preload/index.cjs`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (initialBytes > INITIAL_BUDGET_BYTES) {
    process.stderr.write(`The initial renderer chunk is ${kB(initialBytes).trim()}: over its budget.\n`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
