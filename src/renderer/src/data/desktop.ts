import type { CallInput } from '../../../shared/contract';
import { call } from './api';

/**
 * Native dialogs for any screen. A cancelled dialog is `null`, not an error; a host without
 * dialogs throws an ApiError saying so.
 */
export const desktop = {
  chooseFileToOpen: async (options: CallInput<'dialog.openFile'>) =>
    (await call('dialog.openFile', options)).path,
  chooseFileToSave: async (options: CallInput<'dialog.saveFile'>) =>
    (await call('dialog.saveFile', options)).path,
  showInFolder: (path: string) => call('shell.showInFolder', { path }),
};
