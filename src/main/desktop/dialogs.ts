import type { ParsedInput } from '../../shared/contract';
import { AppError } from '../errors';

export type SaveFileOptions = ParsedInput<'dialog.saveFile'>;
export type OpenFileOptions = ParsedInput<'dialog.openFile'>;

/**
 * Native dialogs and the file manager, as the host provides them: Electron's in the app, a
 * scripted fake in the e2e host, none in the CLI (which takes paths as arguments).
 */
export interface DesktopPort {
  /** The chosen path, or null when the person cancelled. */
  saveFile(options: SaveFileOptions): Promise<string | null>;
  openFile(options: OpenFileOptions): Promise<string | null>;
  /** Throws NOT_FOUND when the file is not there any more. */
  showInFolder(path: string): Promise<void>;
}

/** A host without a desktop (the CLI): every dialog call is refused with a reason. */
export function noDesktop(host: string): DesktopPort {
  const refuse = (what: string) => () =>
    Promise.reject(
      new AppError('VALIDATION', `${what} needs the desktop app; ${host} takes file paths as arguments.`),
    );
  return {
    saveFile: refuse('A save dialog'),
    openFile: refuse('An open dialog'),
    showInFolder: refuse('Show in folder'),
  };
}
