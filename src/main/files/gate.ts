import { lstat, stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { AppError } from '../errors';

export interface WriteRequest {
  path: string;
  /** What the file is, for messages: "report", "backup". */
  what: string;
  /** Extensions the format is written with, lower case with the dot (".csv", ".ndjson.gz"). */
  extensions: readonly string[];
  /** The caller confirmed replacing an existing file. */
  overwrite: boolean;
}

/**
 * Where calls may write files. The command line writes where its user says (it runs as that
 * user); a window writes only where the main process's own save dialog pointed, because a path
 * it merely sends could be any file the desktop user can write (~/.ssh/authorized_keys).
 */
export interface FileGate {
  /** The path to write, or a VALIDATION / FORBIDDEN / CONFLICT refusal. */
  forWrite(request: WriteRequest): Promise<string>;
  /** The folder a restore's safety backup goes to (undefined: beside the restored file). */
  safetyFolder(requested: string | undefined): Promise<string | undefined>;
}

const isSpecial = (s: { isCharacterDevice(): boolean; isFIFO(): boolean }) =>
  s.isCharacterDevice() || s.isFIFO();

/** Checks every gate makes: an absolute path with the format's extension, no silent overwrite. */
export async function checkTarget(request: WriteRequest): Promise<string> {
  const { path, what, extensions, overwrite } = request;
  if (!isAbsolute(path)) throw new AppError('VALIDATION', `Give the ${what}'s full path (got ${path}).`);
  const existing = await lstat(path).catch(() => null);
  // Devices and pipes (/dev/stdout, a FIFO, a link to one) are streamed to, not replaced: the
  // CLI pipes backups.
  const followed = existing?.isSymbolicLink() ? await stat(path).catch(() => null) : existing;
  if (followed && isSpecial(followed)) return path;
  const lower = path.toLowerCase();
  if (!extensions.some((e) => lower.endsWith(e)))
    throw new AppError(
      'VALIDATION',
      `A ${what} file must end in ${extensions.join(' or ')} (got ${extname(path) || 'no extension'}).`,
    );
  if (existing?.isSymbolicLink())
    throw new AppError('VALIDATION', `${path} is a symbolic link; choose the file itself.`);
  if (existing?.isDirectory()) throw new AppError('VALIDATION', `${path} is a folder; name a file.`);
  if (existing && !overwrite)
    throw new AppError(
      'CONFLICT',
      `${path} already exists: confirm replacing it (--overwrite on the command line).`,
      { exists: true },
    );
  return path;
}

/** The command line's gate: its user's own paths, with the shared extension and overwrite rules. */
export const userFileGate = (): FileGate => ({
  forWrite: checkTarget,
  safetyFolder: (requested) => Promise.resolve(requested === undefined ? undefined : resolve(requested)),
});
