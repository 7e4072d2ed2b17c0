import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { AppError } from '../../errors';

export const isCompressedPath = (path: string) => path.endsWith('.gz');

function writeError(path: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const name = (error as Error).name;
  if (name === 'AbortError' || code === 'ABORT_ERR')
    return new AppError('CANCELLED', `Writing ${path} was cancelled; no file was left behind.`);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new AppError(
      'INTERNAL',
      `The disk is full while writing ${path}; no backup was written. Free some space or choose another disk.`,
    );
  if (code === 'ENOENT') return new AppError('VALIDATION', `The folder ${dirname(path)} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new AppError('FORBIDDEN', `${path} cannot be written: permission denied or read-only.`);
  if (code === 'EISDIR') return new AppError('VALIDATION', `${path} is a folder; name a file.`);
  return new AppError('INTERNAL', `${path} could not be written: ${(error as Error).message}`);
}

/**
 * Bytes the file stream may hold while a write is under way. At the default 16 KB every 64 KB
 * chunk waited for the write before it (one write at a time): 140–190 MB/s to this machine's
 * disk, where 4 MB lets the next chunks gather into one writev while the last is written:
 * ~300 MB/s, as psql's buffered writes get.
 */
const WRITE_BUFFER_BYTES = 4 << 20;

/** Devices (/dev/stdout, /dev/full) cannot be renamed into: those are written directly. */
async function isDevice(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  return s !== null && (s.isCharacterDevice() || s.isFIFO());
}

/** This machine, as a file name part: a partial file names the host and process writing it. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '-');

/** `.<name>.<host>.<pid>.<random>.partial`, beside the target. */
const partialPath = (path: string) =>
  join(dirname(path), `.${basename(path)}.${HOST}.${process.pid}.${randomBytes(6).toString('hex')}.partial`);

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A writer killed outright (SIGKILL, power loss) cannot remove its partial file: the next write
 * of the same file removes those whose process, on this machine, no longer runs. Another
 * machine's (a shared folder) or a live process's are left alone.
 */
async function removeDeadPartials(path: string): Promise<void> {
  const prefix = `.${basename(path)}.${HOST}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^(\d+)\.[0-9a-f]{12}\.partial$/.exec(
      name.startsWith(prefix) ? name.slice(prefix.length) : '',
    );
    if (pid && !processRuns(Number(pid[1]))) await rm(join(dirname(path), name), { force: true });
  }
}

/**
 * Writes `chunks` to `path` so that the file appears complete or not at all: into a temporary
 * file beside it, renamed over `path` only once everything is flushed. A cancel, a full disk or
 * any other failure removes the temporary file. `.gz` paths are gzip-compressed on the way.
 */
export async function writeAtomically(
  path: string,
  chunks: AsyncIterable<string | Buffer>,
  signal: AbortSignal,
): Promise<{ bytes: number }> {
  const direct = await isDevice(path);
  if (!direct) await removeDeadPartials(path);
  const target = direct ? path : partialPath(path);
  // Fastest gzip level: backups of JSON still shrink several times, and export speed matters more.
  const gzip = isCompressedPath(path) ? createGzip({ level: constants.Z_BEST_SPEED }) : null;
  try {
    // Owner-only: a backup holds every user's personal data.
    const sink = createWriteStream(target, {
      flags: direct ? 'w' : 'wx',
      mode: 0o600,
      highWaterMark: WRITE_BUFFER_BYTES,
    });
    const source = Readable.from(chunks);
    if (gzip) await pipeline(source, gzip, sink, { signal });
    else await pipeline(source, sink, { signal });
    if (direct) return { bytes: 0 };
    await rename(target, path);
    return { bytes: (await stat(path)).size };
  } catch (error) {
    if (!direct) await rm(target, { force: true });
    throw writeError(
      path,
      signal.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : error,
    );
  }
}
