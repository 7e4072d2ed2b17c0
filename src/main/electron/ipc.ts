import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CALL_NAMES, channelOf } from '../../shared/contract';
import { PROGRESS_CHANNEL, type ProgressEvent } from '../../shared/progress';
import { fail, type Result } from '../../shared/result';
import type { Dispatcher } from '../api/registry';
import { logger } from '../logger';

/**
 * One `ipcMain.handle` per contract call, each going through the one dispatcher; the progress
 * events of long calls are sent to the calling window on PROGRESS_CHANNEL. A call that
 * does not come from the app's own frame (`trusted`) is refused before it is even validated.
 */
export function registerCalls(
  ipcMain: IpcMain,
  dispatch: Dispatcher,
  trusted: (event: IpcMainInvokeEvent) => boolean,
): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(channelOf(name), async (event, input: unknown): Promise<Result<unknown>> => {
      if (!trusted(event)) {
        logger.warn('IPC call refused: not from the app frame', { call: name, url: event.senderFrame?.url });
        return fail('FORBIDDEN', `${name} was refused: it did not come from the Pointkeeper window.`);
      }
      return dispatch(name, input, { onEvent: pushTo(event.sender) });
    });
  }
}

/** A long call's progress goes back to the window that asked, pushed: no request per update. */
const pushTo =
  (sender: WebContents) =>
  (event: ProgressEvent): void => {
    // The window may close while its export still runs: the work goes on, the events stop.
    if (!sender.isDestroyed()) sender.send(PROGRESS_CHANNEL, event);
  };

export function unregisterCalls(ipcMain: IpcMain): void {
  for (const name of CALL_NAMES) ipcMain.removeHandler(channelOf(name));
}
