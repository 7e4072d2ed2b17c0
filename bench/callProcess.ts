/**
 * One contract call in a process of its own, as the command line runs it: a bench starts this so
 * the call's peak memory is the call's (getrusage), not what earlier benchmarks left in the
 * bench's process. Prints when each phase starts to stderr, the figures and the call's result as
 * one JSON line to stdout.
 *
 * Usage: run-ts.mjs bench/callProcess.ts <database url> <call name> <input as JSON>
 */
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher } from '../src/main/api/registry';
import { parseDatabaseUrl } from '../src/main/db/knex';
import { openSession } from '../src/main/db/session';
import { contract, type CallName } from '../src/shared/contract';

const [url, name, input] = process.argv.slice(2);
if (!url || !name || !input || !(name in contract)) {
  process.stderr.write('usage: callProcess.ts <database url> <call name> <input as JSON>\n');
  process.exit(2);
}
const session = await openSession({ kind: 'server', connection: parseDatabaseUrl(url) });
try {
  const dispatch = createDispatcher(handlers, () => session);
  const started = performance.now();
  const seconds = () => Math.round(performance.now() - started) / 1000;
  let phase = '';
  const onProgress = (p: { phase?: string }) => {
    const next = p.phase ?? '';
    if (next === phase) return;
    phase = next;
    process.stderr.write(`   ${name} ${seconds()} s: ${next}\n`);
  };
  const r = await dispatch(name as CallName, JSON.parse(input) as unknown, { onProgress });
  if (!r.ok) throw new Error(r.error.message);
  const elapsed = seconds();
  // ru_maxrss is in kilobytes on Linux.
  const peakMb = Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);
  process.stdout.write(`${JSON.stringify({ seconds: elapsed, peakMb, data: r.data })}\n`);
} finally {
  await session.close();
}
