import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors';

/**
 * Writes a report to `<path>.partial` and renames it into place when complete, so a failed or
 * cancelled export never leaves a half report under the name the auditor asked for.
 */
export async function writeAtomically(
  path: string,
  write: (out: WriteStream) => Promise<void>,
): Promise<number> {
  const folder = dirname(path);
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new AppError('VALIDATION', `The folder ${folder} does not exist.`);
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  try {
    await once(out, 'open');
    await write(out);
    if (!out.writableEnded) out.end();
    if (!out.closed) await once(out, 'close');
    await rename(partial, path);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    const code = (error as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new AppError('VALIDATION', `Cannot write ${path}: permission denied.`);
    throw error;
  }
  return (await stat(path)).size;
}
