#!/usr/bin/env node
/**
 * Runs Doyensec's Electronegativity over src/ (main, preload, renderer) offline, prints every
 * finding, and fails on any that is not fixed or listed with its reason in
 * electronegativity-accepted.json (and on a listed one that no longer appears, so the list stays
 * true). Part of `npm test`.
 *
 * Offline: the check that downloads Electron's release list (AVAILABLE_SECURITY_FIXES) is left
 * out (Electron's version is pinned in package.json)
 * — and the translation download the tool tries at start is answered "offline" at once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const here = import.meta.dirname;
const ROOT = path.join(here, '..');
// The tool is CommonJS; its `got` is swapped in the CommonJS module cache before it loads.
const load = createRequire(import.meta.url);
const base = path.dirname(load.resolve('@doyensec/electronegativity/package.json'));
const gotPath = load.resolve('got', { paths: [base] });
const offline = () => Promise.reject(new Error('offline'));
load.cache[gotPath] = {
  id: gotPath,
  filename: gotPath,
  loaded: true,
  exports: Object.assign(offline, { default: offline }),
};
const run = load('@doyensec/electronegativity');

const electronVersion = load(path.join(ROOT, 'node_modules/electron/package.json')).version;
const { accepted } = JSON.parse(readFileSync(path.join(here, 'electronegativity-accepted.json'), 'utf8'));
const keyOf = (f) => `${f.id} ${f.file}`;

async function main() {
  const result = await run(
    {
      input: path.join(ROOT, 'src'),
      isRelative: true,
      electronVersionOverride: electronVersion,
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    },
    false,
  );
  const reasons = new Map(accepted.map((a) => [keyOf(a), a.reason]));
  const seen = new Set();
  let unexplained = 0;
  console.log(
    `Electronegativity: ${result.atomicChecks} atomic and ${result.globalChecks} global checks on src/ (Electron ${electronVersion})`,
  );
  for (const issue of result.issues) {
    const key = keyOf(issue);
    seen.add(key);
    const where = `${issue.file}:${issue.location.line}`;
    const reason = reasons.get(key);
    if (reason) console.log(`  accepted  ${issue.id} ${where}\n            ${reason}`);
    else {
      unexplained++;
      console.log(
        `  FINDING   ${issue.id} ${where} (${issue.severity.name}, ${issue.confidence.name})\n            ${issue.description}`,
      );
    }
  }
  const stale = accepted.filter((a) => !seen.has(keyOf(a)));
  for (const a of stale) console.log(`  STALE     ${a.id} ${a.file}: listed as accepted but no longer found`);
  for (const e of result.errors) console.log(`  ERROR     ${e.file}: ${e.message ?? e}`);
  const bad = unexplained + stale.length + result.errors.length;
  console.log(
    bad === 0
      ? `${result.issues.length} finding(s), all explained.`
      : `${unexplained} unexplained finding(s), ${stale.length} stale, ${result.errors.length} error(s).`,
  );
  process.exitCode = bad === 0 ? 0 : 1;
}

await main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
