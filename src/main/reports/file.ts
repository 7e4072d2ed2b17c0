import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, lstat, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../errors';

/** Reports hold personal data: readable by their owner only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * A hard link fails with EEXIST if a file appeared at `path` since the check, so nothing is
 * replaced; file systems without hard links (FAT, some shares) fall back to a checked rename.
 */
async function placeWithoutReplacing(partial: string, path: string): Promise<void> {
  try {
    await link(partial, path);
    await rm(partial, { force: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code)) throw error;
    if (await lstat(path).catch(() => null)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await rename(partial, path);
  }
}

/**
 * Writes a report to a partial file beside it and moves it into place when complete, so a failed
 * or cancelled export never leaves a half report under the name the auditor asked for. The
 * partial file is created exclusively (O_EXCL: an existing file or symbolic link there is never
 * opened, let alone followed), owner-only; the move replaces an existing report only when
 * `overwrite` says the person confirmed it, and otherwise fails if one appeared meanwhile.
 */
export async function writeAtomically(
  path: string,
  write: (out: WriteStream, fd: number) => Promise<void>,
  overwrite = false,
): Promise<number> {
  const folder = dirname(path);
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new AppError('VALIDATION', `The folder ${folder} does not exist.`);
  const partial = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const out = createWriteStream(partial, { flags: 'wx', mode: PRIVATE_FILE_MODE });
  let opened = false;
  try {
    const [fd] = (await once(out, 'open')) as [number];
    opened = true;
    await write(out, fd);
    if (!out.writableEnded) out.end();
    if (!out.closed) await once(out, 'close');
    if (overwrite) await rename(partial, path);
    else await placeWithoutReplacing(partial, path);
  } catch (error) {
    out.destroy();
    // Only our own partial: whatever stood at its name (EEXIST) is not ours to remove.
    if (opened) await rm(partial, { force: true });
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST') throw new AppError('CONFLICT', `${path} already exists; it was not replaced.`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new AppError('VALIDATION', `Cannot write ${path}: permission denied.`);
    throw error;
  }
  return (await stat(path)).size;
}
