import { lstat, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../errors';
import type { DesktopPort } from '../api/ports';
import { checkTarget, type FileGate } from '../files/gate';

// Where they lived before the files module: kept so existing imports keep working.
export { userFileGate, type FileGate, type WriteRequest } from '../files/gate';

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
