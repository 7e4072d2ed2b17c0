import type { InspectResult } from '../../../shared/contract/backup';
import { readBackup } from './reader';

/**
 * backup.inspect: reads the whole file without a database: its header, the rows it holds, and
 * whether its checksum and counts hold. A file that is not a backup at all is refused; a damaged
 * one is described (`problem`), since showing what is wrong is the point of inspecting it.
 */
export async function inspectBackup(path: string, signal?: AbortSignal): Promise<InspectResult> {
  const summary = await readBackup(path, { strict: false, ...(signal ? { signal } : {}) });
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
