import { lstat, mkdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../errors';
import type { DesktopPort } from './dialogs';

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
async function checkTarget(request: WriteRequest): Promise<string> {
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

interface Grant {
  /** The file existed when the person chose it: the native dialog asked before replacing it. */
  overwriteConfirmed: boolean;
}

/**
 * Paths the person chose in the main process's dialogs, and the gate that lets a window write
 * only to those. The dialog wrapper records each chosen path; nothing the renderer sends can
 * add one.
 */
export class DialogGrants {
  private readonly saved = new Map<string, Grant>();
  private readonly opened = new Set<string>();

  constructor(
    /** The private data folder: safety backups go under it. */
    private readonly home: string,
    /** Folders the admin configured for exports: writable without a dialog. */
    private readonly folders: readonly string[] = [],
  ) {}

  /** The host's desktop, with every chosen path recorded as granted. */
  wrap(desktop: DesktopPort): DesktopPort {
    return {
      saveFile: async (options) => {
        const path = await desktop.saveFile(options);
        if (path !== null) {
          const existed = (await lstat(path).catch(() => null)) !== null;
          this.saved.set(resolve(path), { overwriteConfirmed: existed });
        }
        return path;
      },
      openFile: async (options) => {
        const path = await desktop.openFile(options);
        if (path !== null) this.opened.add(resolve(path));
        return path;
      },
      showInFolder: (path) => {
        const known = this.saved.has(resolve(path)) || this.opened.has(resolve(path));
        if (!known)
          return Promise.reject(
            new AppError('FORBIDDEN', 'Only a file chosen in this window can be shown in its folder.'),
          );
        return desktop.showInFolder(path);
      },
    };
  }

  private inConfiguredFolder(path: string): boolean {
    return this.folders.some((f) => resolve(path).startsWith(join(resolve(f), '/')));
  }

  gate(): FileGate {
    return {
      forWrite: async (request) => {
        const path = resolve(request.path);
        const grant = this.saved.get(path);
        if (!grant && !this.inConfiguredFolder(path))
          throw new AppError(
            'FORBIDDEN',
            `The window may write only where you chose in the save dialog; ${request.path} was not chosen there.`,
          );
        const confirmed = request.overwrite || (grant?.overwriteConfirmed ?? false);
        const checked = await checkTarget({ ...request, path, overwrite: confirmed });
        // One dialog, one replacement: writing again over it needs a new confirmation.
        if (grant) grant.overwriteConfirmed = false;
        return checked;
      },
      safetyFolder: async (requested) => {
        if (requested !== undefined && !this.folders.some((f) => resolve(f) === resolve(requested)))
          throw new AppError(
            'FORBIDDEN',
            'Safety backups go to the private data folder or a folder the admin configured.',
          );
        const folder = requested ?? join(this.home, 'safety-backups');
        await mkdir(folder, { recursive: true, mode: 0o700 });
        return folder;
      },
    };
  }
}
