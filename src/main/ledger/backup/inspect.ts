import type { InspectResult } from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import { withWorker } from '../../workers/task';
import { backupReadOutput, type BackupReadInit } from './readJob';

/** The reader, in a worker thread: a 2 GB file's parsing and hashing never hold up the main loop. */
async function readInWorker(path: string, signal?: AbortSignal) {
  const init: BackupReadInit = { path, strict: false, stage: false };
  return withWorker('backup-read', init, signal ? { signal } : {}, async (task) => {
    for (;;) {
      const parsed = backupReadOutput.safeParse(await task.nextOutput());
      if (!parsed.success) throw new AppError('INTERNAL', 'The backup reader sent something unexpected.');
      if (parsed.data.kind === 'end') {
        await task.finish();
        return parsed.data.summary;
      }
      await task.send(null);
    }
  });
}

/**
 * backup.inspect: reads the whole file without a database: its header, the rows it holds, and
 * whether its checksum and counts hold. A file that is not a backup at all is refused; a damaged
 * one is described (`problem`), since showing what is wrong is the point of inspecting it.
 */
export async function inspectBackup(path: string, signal?: AbortSignal): Promise<InspectResult> {
  const summary = await readInWorker(path, signal);
  return {
    path,
    bytes: summary.bytes,
    compressed: summary.compressed,
    header: summary.header,
    counts: summary.counts,
    trailerCounts: summary.trailerCounts,
    checksum: {
      valid: summary.expectedSha256 === summary.sha256,
      expected: summary.expectedSha256,
      actual: summary.sha256,
    },
    problem: summary.problem,
  };
}
