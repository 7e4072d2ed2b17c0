import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  app,
  dialog,
  shell,
  type BrowserWindow,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron';
import type { DesktopPort } from '../api/ports';
import { AppError } from '../errors';

/** Electron's native dialogs, modal to the app window when there is one. */
export function electronDesktop(window: () => BrowserWindow | null): DesktopPort {
  return {
    async saveFile({ title, defaultName, filters }) {
      const options: SaveDialogOptions = {
        title,
        defaultPath: join(app.getPath('documents'), defaultName ?? ''),
        filters,
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      };
      const win = window();
      const r = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options));
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    async openFile({ title, filters }) {
      const options: OpenDialogOptions = { title, filters, properties: ['openFile'] };
      const win = window();
      const r = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async showInFolder(path) {
      await access(path).catch(() => {
        throw new AppError('NOT_FOUND', `The file ${path} is not there any more.`);
      });
      shell.showItemInFolder(path);
    },
  };
}
