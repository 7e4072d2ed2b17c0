/**
 * One restore in a process of its own, as `pointkeeper backup restore` runs it: the backup bench
 * starts this so the restore's peak memory is the restore's (getrusage), not what the bench's own
 * exports left in its process. Prints when each phase starts to stderr, the figures as one JSON
 * line to stdout.
 *
 * Usage: run-ts.mjs bench/restoreProcess.ts <database url> <backup file> <safety folder>
 */
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher } from '../src/main/api/registry';
import { parseDatabaseUrl } from '../src/main/db/knex';
import { openSession } from '../src/main/db/session';
import type { RestoreResult } from '../src/shared/contract/backup';

const [url, path, safetyDir] = process.argv.slice(2);
if (!url || !path || !safetyDir) {
  process.stderr.write('usage: restoreProcess.ts <database url> <backup file> <safety folder>\n');
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
    process.stderr.write(`   restore ${seconds()} s: ${next}\n`);
  };
  // The file comes from the bench's source database, whose chain key this one does not share: the
  // cross-database restore an admin acknowledges (its rows are re-sealed with this key).
  const r = await dispatch(
    'backup.restore.apply',
    { path, mode: 'replace', safetyDir, acknowledgeNotSignedHere: true },
    { onProgress },
  );
  if (!r.ok) throw new Error(r.error.message);
  const elapsed = seconds();
  // ru_maxrss is in kilobytes on Linux.
  const peakMb = Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);
  const { chainBreaks } = (r.data as RestoreResult).checks;
  process.stdout.write(`${JSON.stringify({ seconds: elapsed, peakMb, chainBreaks })}\n`);
} finally {
  await session.close();
}
